"""Scene assembly: reference layout, speed settings, render proxies, caching."""

import mujoco
import numpy as np
import pytest

from rgb_stacking_env import scene
from rgb_stacking_env.scene import PhysicsOptions


def test_scene_layout_and_physics_settings():
    compiled = scene.load_scene(("s0", "g5", "b6"))
    model = compiled.model
    assert model.opt.timestep == scene.PhysicsOptions().timestep
    assert model.opt.enableflags & mujoco.mjtEnableBit.mjENBL_MULTICCD
    assert model.nu == 8 and len(compiled.object_bodies) == 3
    np.testing.assert_allclose(model.body_mass[compiled.object_bodies], 0.2, rtol=1e-6)
    basket = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_BODY, "base/")
    data = mujoco.MjData(model)
    mujoco.mj_forward(model, data)
    np.testing.assert_allclose(data.xpos[basket], scene.BASKET_ORIGIN)
    assert len(compiled.ground_geoms) == 6  # floor + basket base + four slopes


def test_detailed_meshes_become_hulls_with_unchanged_geometry_and_inertia():
    root = scene._build_mjcf(("s0", "g5", "b6"), scene.PhysicsOptions())
    detailed = scene._compile(root)
    scene._simplify(root, scene._simplification(detailed))
    simple = scene._compile(root)
    assert detailed.mesh_facenum.sum() > 200_000 > 60_000 > simple.mesh_facenum.sum()
    np.testing.assert_allclose(simple.body_mass, detailed.body_mass)
    np.testing.assert_allclose(simple.body_inertia, detailed.body_inertia)
    # Every mesh geom spans the same world-space box (hulls keep the extreme vertices).
    np.testing.assert_allclose(_mesh_boxes(simple), _mesh_boxes(detailed), atol=1e-6)


def _mesh_boxes(model: mujoco.MjModel) -> np.ndarray:
    """[G, 6] world-space bounding boxes of all mesh geoms at qpos0."""
    data = mujoco.MjData(model)
    mujoco.mj_forward(model, data)
    boxes = []
    for g in np.flatnonzero(model.geom_type == mujoco.mjtGeom.mjGEOM_MESH):
        start, count = model.mesh_vertadr[model.geom_dataid[g]], model.mesh_vertnum[model.geom_dataid[g]]
        world = data.geom_xpos[g] + model.mesh_vert[start : start + count] @ data.geom_xmat[g].reshape(3, 3).T
        boxes.append(np.concatenate([world.min(0), world.max(0)]))
    return np.array(boxes)


def test_scenes_are_cached_per_triplet():
    assert scene.load_scene(("s0", "g5", "b6")) is scene.load_scene(("s0", "g5", "b6"))


def _model_bytes(model: mujoco.MjModel) -> bytes:
    buffer = np.zeros(mujoco.mj_sizeModel(model), np.uint8)
    mujoco.mj_saveModel(model, None, buffer)
    return buffer.tobytes()


@pytest.mark.parametrize("triplet", [("s0", "g5", "b6"), ("r3", "y67", "e23")])
def test_the_robots_cached_simplification_compiles_the_same_model_as_simplifying_the_whole_scene(
    triplet, tmp_path, monkeypatch
):
    """The objects' meshes are never detailed, so the robot's simplification, computed once without
    objects and kept on disk, gives the model byte for byte that simplifying each whole scene gave;
    a second process (the in-process cache cleared) reads it from disk instead of compiling twice."""
    root = scene._build_mjcf(triplet, scene.PhysicsOptions())
    scene._simplify(root, scene._simplification(scene._compile(root)))
    whole_scene = _model_bytes(scene._compile(root))

    monkeypatch.setenv(scene.CACHE_DIR_ENV, str(tmp_path))
    compiles = []
    compile_model = scene._compile
    monkeypatch.setattr(scene, "_compile", lambda r: compiles.append(1) or compile_model(r))
    for expected_compiles in (2, 1):  # Cold cache: the robot's and the scene's; warm: the scene's.
        scene.load_scene.cache_clear()
        scene._robot_simplification.cache_clear()
        compiles.clear()
        assert _model_bytes(scene.load_scene(triplet).model) == whole_scene
        assert len(compiles) == expected_compiles
    assert len(list(tmp_path.glob("simplified_*.json"))) == 1


def test_an_unwritable_or_disabled_cache_only_costs_a_compile(tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("")
    for value in (str(blocked / "cache"), ""):  # Under a file: mkdir fails. Empty: no cache.
        monkeypatch.setenv(scene.CACHE_DIR_ENV, value)
        scene.load_scene.cache_clear()
        scene._robot_simplification.cache_clear()
        assert scene.load_scene(("s0", "g5", "b6")).model.nmesh > 0


def test_physics_options_take_typed_overrides():
    options = PhysicsOptions().with_overrides(
        ["timestep=0.005", "noslip_iterations=1", "multiccd=false", "cone=elliptic"]
    )
    assert (options.timestep, options.noslip_iterations, options.multiccd, options.cone) == (
        0.005,
        1,
        False,
        "elliptic",
    )
    assert PhysicsOptions().with_overrides([]) == PhysicsOptions()
    with pytest.raises(ValueError, match="unknown physics option 'substeps'"):
        PhysicsOptions().with_overrides(["substeps=3"])
