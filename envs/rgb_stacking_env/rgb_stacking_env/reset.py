"""The reference reset distribution: TCP pose by inverse kinematics, dropped objects, settling.

Every draw comes from the `np.random.Generator` passed in, so a seeded
environment resets identically.
"""

from __future__ import annotations

import mujoco
import numpy as np

from rgb_stacking_env import controller
from rgb_stacking_env.simulation import Simulation

TCP_LOW = np.array([0.5, -0.14, 0.22])
TCP_HIGH = np.array([0.7, 0.14, 0.43])
TCP_YAW_RANGE = (-np.pi / 4, np.pi / 4)
OBJECT_LOW = np.array([0.50, -0.10, 0.12])
OBJECT_HIGH = np.array([0.70, 0.10, 0.12])
_POINTING_DOWN = np.diag([1.0, -1.0, -1.0])  # TCP frame: x forward, z down.
_IK_ITERATIONS = 60
_IK_TOLERANCE = 1e-4
_PLACEMENT_ATTEMPTS = 100
_SETTLE_MIN_TIME = 0.25  # s of physics before the rest test.
_SETTLE_MAX_TIME = 2.0  # s, the reference's settling budget.
_REST_SPEED = 2e-3  # m/s (and rad/s): objects count as settled below this.
UPRIGHT = (1.0, 0.0, 0.0, 0.0)  # wxyz body orientations for hand-built states
QUARTER_TURNS = (UPRIGHT, (np.sqrt(0.5), np.sqrt(0.5), 0.0, 0.0), (np.sqrt(0.5), 0.0, np.sqrt(0.5), 0.0))


def yaw_rotation(yaw: float) -> np.ndarray:
    """[3, 3] rotation of the TCP pointing down, turned by `yaw` about world z."""
    c, s = np.cos(yaw), np.sin(yaw)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]]) @ _POINTING_DOWN


def solve_tcp_ik(sim: Simulation, position: np.ndarray, yaw: float) -> np.ndarray:
    """Arm joint angles [7] putting the TCP at `position`, pointing down with `yaw`.

    Damped Newton iterations from the rest posture, on the simulation's own
    kinematics (the arm is left at the solution).
    """
    model, data, scene = sim.model, sim.data, sim.scene
    target_rotation = yaw_rotation(yaw)
    jacp, jacr = np.zeros((3, model.nv)), np.zeros((3, model.nv))
    joints = controller.REST_POSTURE.copy()
    for _ in range(_IK_ITERATIONS):
        data.qpos[scene.arm_qpos] = joints
        mujoco.mj_kinematics(model, data)
        mujoco.mj_comPos(model, data)
        rotation = data.site_xmat[scene.pinch_site].reshape(3, 3)
        position_error = position - data.site_xpos[scene.pinch_site]
        rotation_error = 0.5 * np.cross(rotation.T, target_rotation.T).sum(axis=0)
        error = np.concatenate([position_error, rotation_error])  # [6]
        if np.max(np.abs(error)) < _IK_TOLERANCE:
            break
        mujoco.mj_jacSite(model, data, jacp, jacr, scene.pinch_site)
        jacobian = np.concatenate([jacp[:, scene.arm_dof], jacr[:, scene.arm_dof]])  # [6, 7]
        joints = np.clip(
            joints + controller.damped_least_squares(jacobian, error, 1e-4),
            controller.JOINT_LOWER,
            controller.JOINT_UPPER,
        )
    return joints


def random_quaternion(rng: np.random.Generator) -> np.ndarray:
    """Uniformly distributed unit quaternion [4] (wxyz)."""
    quaternion = rng.normal(size=4)
    return quaternion / np.linalg.norm(quaternion)


def _objects_overlapping(sim: Simulation) -> set[int]:
    """Indices of objects in contact with another object or the robot."""
    mujoco.mj_forward(sim.model, sim.data)
    geoms = sim.scene.object_geoms
    overlapping = set()
    for pair in sim.contact_pairs():
        for side in (0, 1):
            if pair[side] in geoms and (pair[1 - side] in geoms or pair[1 - side] in sim.scene.robot_geoms):
                overlapping.add(geoms.index(pair[side]))
    return overlapping


def place_objects(sim: Simulation, rng: np.random.Generator) -> None:
    """Drops the three objects at random non-overlapping poses in the basket."""
    data, scene = sim.data, sim.scene
    to_place = {0, 1, 2}
    for _ in range(_PLACEMENT_ATTEMPTS):
        for index in sorted(to_place):
            address = scene.object_qpos[index]
            data.qpos[address : address + 3] = rng.uniform(OBJECT_LOW, OBJECT_HIGH)
            data.qpos[address + 3 : address + 7] = random_quaternion(rng)
        to_place = _objects_overlapping(sim)
        if not to_place:
            return
    raise RuntimeError(f"could not place the objects without overlap in {_PLACEMENT_ATTEMPTS} attempts")


def settle(sim: Simulation) -> None:
    """Runs physics with the robot held until the objects rest (at most 2 s)."""
    substeps = max(1, int(round(0.05 / sim.model.opt.timestep)))
    elapsed = 0.0
    dofs = np.concatenate([np.arange(a, a + 6) for a in sim.scene.object_dof])
    while elapsed < _SETTLE_MAX_TIME:
        sim.hold(substeps)
        elapsed += substeps * sim.model.opt.timestep
        if elapsed >= _SETTLE_MIN_TIME and np.max(np.abs(sim.data.qvel[dofs])) < _REST_SPEED:
            return


def put_object(sim: Simulation, index: int, xy, bottom_z: float, quaternion=UPRIGHT) -> None:
    """Puts object `index` (0 red, 1 green, 2 blue) at rest at `xy` with its lowest point at `bottom_z`.

    For hand-built states in tests and tools; `quaternion` is the body orientation (wxyz).
    """
    address, dof = sim.scene.object_qpos[index], sim.scene.object_dof[index]
    sim.data.qpos[address : address + 7] = [xy[0], xy[1], 0.0, *quaternion]
    sim.data.qvel[dof : dof + 6] = 0.0
    sim.forward()
    centre, half_height = sim.object_extent(index)
    sim.data.qpos[address + 2] += bottom_z + half_height - centre[2]
    sim.forward()


def flattest_orientation(sim: Simulation, index: int) -> tuple[float, float, float, float]:
    """The quarter turn (of QUARTER_TURNS) that gives object `index` its smallest height.

    Tries each turn with the object lifted above the basket: put it in place afterwards.
    """

    def height(quaternion) -> float:
        put_object(sim, index, (0.6, 0.0), 0.3, quaternion)
        return sim.object_extent(index)[1]

    return min(QUARTER_TURNS, key=height)


def reset_episode(sim: Simulation, rng: np.random.Generator) -> None:
    """Samples the reference initial state into `sim`, settles it and runs the reference's no-op step.

    As in the reference, one control step with a zero command (gripper open)
    follows the settling: its commands (null-space pull and tilt feedback, so
    generally non-zero joint velocities, and gripper -255) are the last
    commands before the first action.
    """
    sim.reset()
    tcp_position = rng.uniform(TCP_LOW, TCP_HIGH)
    tcp_yaw = rng.uniform(*TCP_YAW_RANGE)
    sim.set_arm(solve_tcp_ik(sim, tcp_position, tcp_yaw))
    place_objects(sim, rng)
    settle(sim)
    sim.control_step(np.zeros(3), 0.0, close_gripper=False)
