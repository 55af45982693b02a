"""Observation semantics of the reference (dm-robotics 0.9.0), checked on hand-built states."""

import copy

import mujoco
import numpy as np
import pytest

import rgb_stacking_env
from rgb_stacking_env import simulation as simulation_lib
from rgb_stacking_env.scene import GRIPPER_RANGE

_CLOSE = np.array([0.03, -0.02, -0.03, 0.2, 1.0], np.float32)


@pytest.fixture(scope="module")
def env():
    environment = rgb_stacking_env.make("1", seed=0)
    yield environment
    environment.close()


def _start_replay(sim, twin) -> None:
    """Completes the first substep of the control step just taken in `twin`, a copy of the data before it.

    A copied MjData lacks the contacts and constraints of its last `mj_step1`: recompute them first.
    """
    twin.ctrl[:] = sim.data.ctrl
    mujoco.mj_step1(sim.model, twin)
    mujoco.mj_step2(sim.model, twin)


def test_histories_are_newest_first(env):
    first = env.reset().observation
    second = env.step(_CLOSE).observation
    third = env.step(_CLOSE).observation
    sim = env.simulation
    np.testing.assert_allclose(third["sawyer/joints/angle"][0], sim.data.qpos[sim.scene.arm_qpos], atol=1e-6)
    for key in ("sawyer/joints/angle", "sawyer/pinch/pose", "gripper/joints/angle", "wrist/force"):
        np.testing.assert_array_equal(third[key][1], second[key][0], err_msg=key)
        np.testing.assert_array_equal(third[key][2], first[key][0], err_msg=key)
    np.testing.assert_array_equal(third["action/environment"][1], second["action/environment"][0])
    assert third["action/environment"][0, -1] == GRIPPER_RANGE  # the newest command closes


def test_action_history_starts_with_the_reset_commands(env):
    observation = env.reset().observation
    sim = env.simulation
    commands = observation["action/environment"]  # [2, 8]
    # The reset ends with the reference's no-op control step: gripper -255 and the controller's
    # joint velocities for a zero command (null-space pull, tilt feedback), not zeros.
    np.testing.assert_array_equal(commands[0], commands[1])
    assert commands[0, -1] == -GRIPPER_RANGE
    np.testing.assert_allclose(commands[0, :7], sim.last_joint_command, atol=1e-6)
    assert np.abs(commands[0, :7]).max() > 0.0


def test_pose_quaternions_are_positive_leading(env):
    env.reset()
    sim = env.simulation
    address = sim.scene.object_qpos[0]
    quaternion = np.array([-0.6, 0.0, 0.0, 0.8])  # w < 0: the same rotation as (0.6, 0, 0, -0.8)
    sim.data.qpos[address + 3 : address + 7] = quaternion
    sim.forward()
    np.testing.assert_allclose(sim.object_poses()[0, 3:], -quaternion, atol=1e-9)
    timestep = env.step(np.zeros(5, np.float32))
    for _ in range(20):
        for key in ("sawyer/pinch/pose", "sawyer/tcp/pose"):
            assert np.all(timestep.observation[key][:, 3] >= 0.0), key
        for color in ("red", "green", "blue"):
            absolute = timestep.observation[f"rgb30_{color}/abs_pose"]
            assert np.all(absolute[:, 3] >= 0.0)
            # to_pinch is the element-wise difference of the two positive-leading poses (reference).
            np.testing.assert_allclose(
                timestep.observation[f"rgb30_{color}/to_pinch"],
                absolute - timestep.observation["sawyer/pinch/pose"],
                atol=1e-6,
            )
        timestep = env.step(_CLOSE)


def test_gripper_velocity_is_the_reading_change_over_12_5_ms(env):
    env.reset()
    sim = env.simulation
    window = int(round(simulation_lib.GRIPPER_VELOCITY_WINDOW / sim.model.opt.timestep))
    twin = copy.copy(sim.data)  # replays the control step substep by substep
    observation = env.step(_CLOSE).observation

    def reading():
        return simulation_lib.finger_reading(twin.qpos[sim.scene.gripper_joint_qpos], sim.scene.gripper_joint_range)

    _start_replay(sim, twin)
    mujoco.mj_step(sim.model, twin, sim.substeps - window - 1)
    reading_before = reading()
    mujoco.mj_step(sim.model, twin, window)
    reading_after = reading()
    assert observation["gripper/joints/angle"][0] == reading_after
    assert observation["gripper/joints/velocity"][0] == reading_after - reading_before
    assert reading_after > reading_before  # the fingers are closing
    # Reading units per 12.5 ms, not per second: a quarter of the step's change, roughly.
    step_change = observation["gripper/joints/angle"][0] - observation["gripper/joints/angle"][1]
    assert 0 < observation["gripper/joints/velocity"][0] <= step_change


def test_joint_torque_is_z_of_the_joint_torque_sensors_and_wrist_force_the_last_substep(env):
    env.reset()
    sim = env.simulation
    twin = copy.copy(sim.data)
    observation = env.step(_CLOSE).observation
    model = sim.model
    torques = [sim.data.sensor(f"sawyer/j{i}_torque").data[2] for i in range(7)]
    np.testing.assert_allclose(observation["sawyer/joints/torque"][0], torques, rtol=1e-6)
    assert not np.allclose(torques, sim.data.actuator_force[sim.scene.arm_actuators], atol=1e-3)
    # Replaying the substeps: the wrist force is the FTS-300 reading of the last one, not a mean.
    _start_replay(sim, twin)
    readings = []
    for _ in range(sim.substeps - 1):
        mujoco.mj_step(model, twin)
        readings.append(twin.sensor("sawyer/robotiq_fts300/ft_sensor_force").data.copy())
    np.testing.assert_allclose(observation["wrist/force"][0], readings[-1], rtol=1e-6, atol=1e-9)


def test_grasp_flag_follows_the_reference_definition(env):
    env.reset()
    sim = env.simulation
    left, right = sim.scene.pad_geoms
    floor = next(iter(sim.scene.ground_geoms))
    red = sim.scene.object_geoms[0]
    both_on_things = np.array([[left, red], [floor, right]])
    sim.last_gripper_command = GRIPPER_RANGE
    assert sim.grasp(both_on_things) == simulation_lib.INWARD_GRASP  # any geom but the pads counts
    sim.last_gripper_command = -GRIPPER_RANGE
    assert sim.grasp(both_on_things) == simulation_lib.OUTWARD_GRASP
    sim.last_gripper_command = 1.0  # |command| < 2
    assert sim.grasp(both_on_things) == simulation_lib.NO_GRASP
    sim.last_gripper_command = GRIPPER_RANGE
    assert sim.grasp(np.array([[left, right]])) == simulation_lib.NO_GRASP  # pads touching each other
    assert sim.grasp(np.array([[left, red]])) == simulation_lib.NO_GRASP  # one pad only
    assert sim.grasp(np.zeros((0, 2), int)) == simulation_lib.NO_GRASP
    observation = env.step(_CLOSE).observation
    assert observation["gripper/grasp"].dtype == np.uint8
