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
    scene._simplify_detailed_meshes(root, detailed)
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
