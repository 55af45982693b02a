"""The RGB-Stacking scene: MJCF assembly from the benchmark's assets, compiled once.

The scene is put together with `dm_control.mjcf` from dm-robotics' own models
(Sawyer, Robotiq FTS-300, Robotiq 2F-85, the RGB basket, the RGB objects) in
the reference layout, then compiled to a raw `mujoco.MjModel` with physics
options chosen for speed. `Scene` holds the model and every index the
environment needs, so the step loop never looks a name up. Compiled scenes are
cached per object triplet in the process; the simplification of the detailed robot meshes,
which takes a compile of its own, is cached on disk (`_robot_simplification`), so a scene
compiles once after the machine's first build.
"""

from __future__ import annotations

import ctypes
import dataclasses
import functools
import gc
import hashlib
import json
import os
import pathlib
import tempfile
from typing import Sequence

import mujoco
import numpy as np
from dm_control import mjcf
from dm_robotics.manipulation.props.rgb_objects import rgb_object
from dm_robotics.manipulation.standard_cell import rgb_basket
from dm_robotics.moma import robot as moma_robot
from dm_robotics.moma.models.end_effectors.robot_hands import robotiq_2f85
from dm_robotics.moma.models.end_effectors.wrist_sensors import robotiq_fts300
from dm_robotics.moma.models.robots.robot_arms import sawyer
from scipy import spatial

from rgb_stacking_env.object_sets import Triplet

BASKET_ORIGIN = (0.6, 0.0, 0.0498)
COLORS = ("red", "green", "blue")
_RGBA = {"red": (1, 0, 0, 1), "green": (0, 1, 0, 1), "blue": (0, 0, 1, 1)}
CAMERA_NAMES = ("basket_back_left", "basket_front_left", "basket_front_right")
# Video camera of the reference task (not an agent observation).
MAIN_CAMERA = dict(name="main_camera", pos=(1.4, 0.0, 0.45), quat=(0.541, 0.455, 0.456, 0.541), fovy=45)
_GRIPPER = "sawyer/robotiq_fts300/robotiq_2f85/"
PAD_GEOMS = (_GRIPPER + "reinforced_right_fingertip_geom", _GRIPPER + "reinforced_left_fingertip_geom")
GRIPPER_RANGE = 255.0  # Robotiq units: 0 open, 255 closed.
_MAX_MESH_FACES = 2000
CACHE_DIR_ENV = "RGB_STACKING_CACHE_DIR"  # Where mesh simplifications are cached ('' = nowhere).


@dataclasses.dataclass(frozen=True)
class PhysicsOptions:
    """Solver settings.

    The reference steps at 0.5 ms. MuJoCo clamps a constraint's time constant to
    at least twice the timestep, so above 2.5 ms the 2F-85's linkage constraints
    (solref 5 ms) soften and held objects slip out (measured: most 5 s holds drop
    red at 5 ms, none at 2.5 ms; docs/environment.md). 2.5 ms is the largest
    step that keeps them as modelled.
    """

    timestep: float = 0.0025  # s; 20 substeps per 50 ms control step.
    iterations: int = 20
    ls_iterations: int = 8
    integrator: str = "implicitfast"
    cone: str = "pyramidal"
    impratio: float = 1.0
    noslip_iterations: int = 2  # removes the creep of soft contacts (held and resting objects).
    multiccd: bool = True  # several contact points per convex pair: flat faces rest flat.
    object_condim: int = 4  # sliding + torsional friction (the reference also has rolling).

    def with_overrides(self, overrides: Sequence[str]) -> "PhysicsOptions":
        """A copy with `name=value` overrides, each value parsed as its field's type (for tools' flags)."""
        types = {field.name: type(getattr(self, field.name)) for field in dataclasses.fields(self)}
        changes = {}
        for override in overrides:
            name, _, value = override.partition("=")
            if name not in types:
                raise ValueError(f"unknown physics option {name!r} in {override!r}; options: {sorted(types)}")
            kind = types[name]
            if kind is bool:
                if value.lower() not in ("1", "true", "0", "false"):
                    raise ValueError(f"physics option {name} takes true or false, got {value!r}")
                changes[name] = value.lower() in ("1", "true")
            else:
                changes[name] = kind(value)
        return dataclasses.replace(self, **changes)


@dataclasses.dataclass(frozen=True)
class Scene:
    """A compiled scene plus the indices the environment reads every step."""

    model: mujoco.MjModel
    triplet: Triplet
    arm_qpos: np.ndarray  # [7] qpos addresses of the Sawyer joints.
    arm_dof: np.ndarray  # [7] dof addresses of the Sawyer joints.
    arm_actuators: np.ndarray  # [7]
    gripper_actuator: int
    gripper_joint_qpos: int  # left driver joint, 0..0.8 rad.
    gripper_joint_range: float
    robot_bodies: np.ndarray  # bodies compensated for gravity.
    robot_geoms: frozenset[int]
    pad_geoms: tuple[int, int]
    ground_geoms: frozenset[int]  # basket surfaces and the floor.
    object_bodies: np.ndarray  # [3] red, green, blue.
    object_geoms: tuple[int, int, int]  # collision geoms (one convex mesh each).
    object_qpos: np.ndarray  # [3] freejoint qpos start addresses.
    object_dof: np.ndarray  # [3] freejoint dof start addresses.
    object_vertices: tuple[np.ndarray, ...]  # [N_i, 3] collision vertices, geom frame.
    pinch_site: int
    wrist_site: int
    force_adr: int  # sensordata address of the wrist force (3).
    torque_adr: int  # sensordata address of the wrist torque (3).
    joint_torque_adr: np.ndarray  # [7] sensordata addresses of the z components of the joint torque sensors.
    cameras: tuple[int, int, int]  # in CAMERA_NAMES order.
    main_camera: int


def _id(model: mujoco.MjModel, kind: mujoco.mjtObj, name: str) -> int:
    index = mujoco.mj_name2id(model, kind, name)
    if index < 0:
        raise KeyError(f"{kind.name} {name!r} not found in the scene")
    return index


def _build_mjcf(triplet: Triplet | None, options: PhysicsOptions) -> mjcf.RootElement:
    """Assembles the reference layout: robot at the origin, basket in front, and the triplet's
    objects (none for `triplet` None)."""
    root = mjcf.RootElement(model="rgb_stacking")
    root.worldbody.add("light", pos=(0.6, 0.0, 1.5), dir=(0, 0, -1), diffuse=(0.4, 0.4, 0.4))
    root.worldbody.add("geom", name="floor", type="plane", size=(2, 2, 0.1), rgba=(0.35, 0.35, 0.38, 1))
    root.worldbody.add("camera", **MAIN_CAMERA)

    arm = sawyer.Sawyer(name="sawyer")
    moma_robot.standard_compose(arm=arm, gripper=robotiq_2f85.Robotiq2F85(), wrist_ft=robotiq_fts300.RobotiqFTS300())
    root.attach(arm.mjcf_model)

    basket = rgb_basket.RGBBasket().mjcf_model
    # The basket floor collides as a plane: plane-convex contacts give every resting face
    # several contact points; the box-mesh pair often yields one, and objects then spin.
    floor_box = basket.find("geom", "basket_base_surface_CollisionGeom")
    floor_box.contype, floor_box.conaffinity = 0, 0
    root.worldbody.add(
        "geom",
        name="basket_floor",
        type="plane",
        pos=BASKET_ORIGIN,
        size=(0.25, 0.25, 0.01),
        group=3,
        rgba=(1, 1, 0, 0.3),
    )
    root.attach(basket).pos = BASKET_ORIGIN

    for color, object_id in zip(COLORS, triplet or ()):
        prop = rgb_object.RgbObjectProp(obj_id=object_id, color=_RGBA[color], name=f"rgb_object_{color}")
        prop.mjcf_model.find("default", "collision").geom.condim = options.object_condim
        root.attach(prop.mjcf_model).add("freejoint")
    # Set last: attaching merges the assets' own options (elliptic cones, noslip).
    root.option.timestep = options.timestep
    root.option.iterations = options.iterations
    root.option.ls_iterations = options.ls_iterations
    root.option.integrator = options.integrator
    root.option.cone = options.cone
    root.option.impratio = options.impratio
    root.option.noslip_iterations = options.noslip_iterations
    root.option.flag.multiccd = "enable" if options.multiccd else "disable"
    root.visual.quality.offsamples = 0  # no multisampling: 64-128 px agent images.
    root.visual.quality.shadowsize = 1  # shadows are off; the default map takes 64 MB.
    root.visual.headlight.ambient = (0.4, 0.4, 0.4)
    root.visual.headlight.diffuse = (0.6, 0.6, 0.6)
    return root


def _simplification(model: mujoco.MjModel) -> dict:
    """What `_simplify` changes, from the compiled detailed model: every mesh of more than
    _MAX_MESH_FACES faces becomes its convex hull, and the bodies whose inertia the compiler derived
    from such a mesh keep it as an explicit `<inertial>`.

    Contacts already use convex hulls, so collisions are unchanged; the FTS-300
    and gripper base meshes (~200k faces) otherwise dominate software
    rendering time and model memory; with the original inertias, the dynamics are
    unchanged too. Hull vertices are given in the mesh file's frame (undoing the
    compiler's recentring), so geometry stays in place.
    Returns {"meshes": {mesh name: [V * 3] hull vertices}, "inertials": {body name: {...}}}.
    """
    detailed = [m for m in range(model.nmesh) if model.mesh_facenum[m] > _MAX_MESH_FACES]
    meshes = {}
    for mesh in detailed:
        start, count = int(model.mesh_vertadr[mesh]), int(model.mesh_vertnum[mesh])
        rotation = np.empty(9)
        mujoco.mju_quat2Mat(rotation, model.mesh_quat[mesh])
        vertices = model.mesh_vert[start : start + count] @ rotation.reshape(3, 3).T + model.mesh_pos[mesh]
        hull = vertices[spatial.ConvexHull(vertices).vertices]  # [V, 3], scaled, file frame
        meshes[mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_MESH, mesh)] = hull.ravel().tolist()
    geoms = [
        g
        for g in range(model.ngeom)
        if model.geom_type[g] == mujoco.mjtGeom.mjGEOM_MESH and model.geom_dataid[g] in detailed
    ]
    inertials = {
        mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_BODY, body): dict(
            mass=float(model.body_mass[body]),
            pos=model.body_ipos[body].tolist(),
            quat=model.body_iquat[body].tolist(),
            diaginertia=model.body_inertia[body].tolist(),
        )
        for body in sorted({int(model.geom_bodyid[g]) for g in geoms})
    }
    return {"meshes": meshes, "inertials": inertials}


def _simplify(root: mjcf.RootElement, simplification: dict) -> None:
    """Applies a `_simplification` to the scene's MJCF."""
    for name, hull in simplification["meshes"].items():
        element = root.find("mesh", name)
        element.file = None
        element.scale = None
        element.vertex = np.asarray(hull, np.float64)
    for name, inertial in simplification["inertials"].items():
        element = root.find("body", name)
        if element.inertial is None:
            element.add("inertial", **{k: np.asarray(v, np.float64) for k, v in inertial.items()})


def _cache_dir() -> pathlib.Path | None:
    """Where simplifications are kept between processes: $RGB_STACKING_CACHE_DIR, else
    $XDG_CACHE_HOME/rgb_stacking_env (~/.cache/rgb_stacking_env); an empty variable disables it."""
    value = os.environ.get(CACHE_DIR_ENV)
    if value == "":
        return None
    if value:
        return pathlib.Path(value)
    return pathlib.Path(os.environ.get("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache") / "rgb_stacking_env"


@functools.lru_cache(maxsize=4)
def _robot_simplification(options: PhysicsOptions) -> dict:
    """The `_simplification` of the scene without objects (only robot meshes are detailed; the
    objects' and the basket's have at most a few hundred faces), read from the disk cache when
    this exact scene (its MJCF, assets, MuJoCo version and this module's code) was simplified
    before, else computed (one extra compile, about 2.5 s) and stored there."""
    root = _build_mjcf(None, options)
    digest = hashlib.sha256()
    for part in (mujoco.__version__, pathlib.Path(__file__).read_bytes(), root.to_xml_string()):
        digest.update(part if isinstance(part, bytes) else part.encode())
    for name, content in sorted(root.get_assets().items()):
        digest.update(name.encode())
        digest.update(content)
    directory = _cache_dir()
    path = directory / f"simplified_{digest.hexdigest()}.json" if directory else None
    if path is not None and path.is_file():
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError):
            pass  # Unreadable (e.g. cut short by a full disk): computed again below.
    simplification = _simplification(_compile(root))
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile("w", dir=path.parent, suffix=".tmp", delete=False) as f:
                json.dump(simplification, f)
            os.replace(f.name, path)  # Atomic: readers see the whole file or none.
        except OSError:
            pass  # A read-only or full cache only costs the extra compile.
    return simplification


def _compile(root: mjcf.RootElement) -> mujoco.MjModel:
    model = mujoco.MjModel.from_xml_string(root.to_xml_string(), root.get_assets())
    # Integrated-velocity actuators: keep their integrated targets inside the joint range
    # (what dm-robotics does after every substep, done here by MuJoCo itself).
    model.actuator_actlimited[:] = 1
    for a in range(model.nu):
        if model.actuator_trntype[a] == mujoco.mjtTrn.mjTRN_JOINT:
            model.actuator_actrange[a] = model.jnt_range[model.actuator_trnid[a, 0]]
        else:
            model.actuator_actrange[a] = (0.0, GRIPPER_RANGE)
    return model


def _subtree(model: mujoco.MjModel, root_body: int) -> np.ndarray:
    bodies = [b for b in range(model.nbody) if _is_descendant(model, b, root_body)]
    return np.asarray(bodies, dtype=np.int32)


def _is_descendant(model: mujoco.MjModel, body: int, ancestor: int) -> bool:
    while body > 0:
        if body == ancestor:
            return True
        body = int(model.body_parentid[body])
    return ancestor == 0


def _scene_from_model(model: mujoco.MjModel, triplet: Triplet) -> Scene:
    joint = mujoco.mjtObj.mjOBJ_JOINT
    arm_joints = [_id(model, joint, f"sawyer/right_j{i}") for i in range(7)]
    gripper_joint = _id(model, joint, _GRIPPER + "left_driver_joint")
    robot_bodies = _subtree(model, _id(model, mujoco.mjtObj.mjOBJ_BODY, "sawyer/"))
    robot_body_set = set(robot_bodies.tolist())
    robot_geoms = frozenset(g for g in range(model.ngeom) if int(model.geom_bodyid[g]) in robot_body_set)
    object_bodies = np.asarray(
        [_id(model, mujoco.mjtObj.mjOBJ_BODY, f"rgb_object_{c}/") for c in COLORS], dtype=np.int32
    )
    object_joints = [int(model.body_jntadr[b]) for b in object_bodies]
    object_geoms = tuple(
        _id(model, mujoco.mjtObj.mjOBJ_GEOM, f"rgb_object_{c}/mesh_rgb_object_{c}_00_collision") for c in COLORS
    )
    vertices = []
    for g in object_geoms:
        mesh = int(model.geom_dataid[g])
        start, count = int(model.mesh_vertadr[mesh]), int(model.mesh_vertnum[mesh])
        vertices.append(np.array(model.mesh_vert[start : start + count], dtype=np.float64))
    ground = {_id(model, mujoco.mjtObj.mjOBJ_GEOM, "floor"), _id(model, mujoco.mjtObj.mjOBJ_GEOM, "basket_floor")}
    ground |= {
        g
        for g in range(model.ngeom)
        if (mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_GEOM, g) or "").startswith("base/basket_")
        and model.geom_contype[g]
    }
    sensor = mujoco.mjtObj.mjOBJ_SENSOR
    force_adr = int(model.sensor_adr[_id(model, sensor, "sawyer/robotiq_fts300/ft_sensor_force")])
    torque_adr = int(model.sensor_adr[_id(model, sensor, "sawyer/robotiq_fts300/ft_sensor_torque")])
    joint_torque_adr = [int(model.sensor_adr[_id(model, sensor, f"sawyer/j{i}_torque")]) + 2 for i in range(7)]
    actuator = mujoco.mjtObj.mjOBJ_ACTUATOR
    camera = mujoco.mjtObj.mjOBJ_CAMERA
    return Scene(
        model=model,
        triplet=triplet,
        arm_qpos=model.jnt_qposadr[arm_joints].astype(np.int32),
        arm_dof=model.jnt_dofadr[arm_joints].astype(np.int32),
        arm_actuators=np.asarray([_id(model, actuator, f"sawyer/j{i}") for i in range(7)], dtype=np.int32),
        gripper_actuator=_id(model, actuator, _GRIPPER + "fingers_actuator"),
        gripper_joint_qpos=int(model.jnt_qposadr[gripper_joint]),
        gripper_joint_range=float(model.jnt_range[gripper_joint, 1]),
        robot_bodies=robot_bodies,
        robot_geoms=robot_geoms,
        pad_geoms=tuple(_id(model, mujoco.mjtObj.mjOBJ_GEOM, name) for name in PAD_GEOMS),
        ground_geoms=frozenset(ground),
        object_bodies=object_bodies,
        object_geoms=object_geoms,
        object_qpos=model.jnt_qposadr[object_joints].astype(np.int32),
        object_dof=model.jnt_dofadr[object_joints].astype(np.int32),
        object_vertices=tuple(vertices),
        pinch_site=_id(model, mujoco.mjtObj.mjOBJ_SITE, _GRIPPER + "pinch_site"),
        wrist_site=_id(model, mujoco.mjtObj.mjOBJ_SITE, "sawyer/wrist_site"),
        force_adr=force_adr,
        torque_adr=torque_adr,
        joint_torque_adr=np.asarray(joint_torque_adr, dtype=np.int32),
        cameras=tuple(_id(model, camera, f"base/{name}") for name in CAMERA_NAMES),
        main_camera=_id(model, camera, "main_camera"),
    )


@functools.lru_cache(maxsize=8)
def load_scene(triplet: Triplet, options: PhysicsOptions = PhysicsOptions()) -> Scene:
    """The compiled scene for (red, green, blue) object ids; cached per triplet."""
    root = _build_mjcf(tuple(triplet), options)
    robot = _robot_simplification(options)
    _simplify(root, robot)
    model = _compile(root)
    detailed = {
        mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_MESH, m)
        for m in np.flatnonzero(model.mesh_facenum > _MAX_MESH_FACES)
    }
    if detailed - set(robot["meshes"]):  # A detailed object mesh: the whole scene is simplified instead.
        root = _build_mjcf(tuple(triplet), options)
        _simplify(root, _simplification(_compile(root)))
        model = _compile(root)
    _release_freed_memory()
    return _scene_from_model(model, tuple(triplet))


def _release_freed_memory() -> None:
    """Hands the compiler's freed scratch memory (~100 MB per compile) back to the OS."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except OSError:  # not glibc
        pass
