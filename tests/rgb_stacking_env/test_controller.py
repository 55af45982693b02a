"""Cartesian controller: pure functions on hand-made Jacobians and states."""
import numpy as np
import pytest

from rgb_stacking_env import controller


def _jacobian(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(6, 7))  # [6, 7], full row rank


def test_damped_least_squares_matches_the_normal_equations():
    jacobian, twist = _jacobian(), np.arange(6.0)
    expected = jacobian.T @ np.linalg.solve(jacobian @ jacobian.T + 0.1 * np.eye(6), twist)
    np.testing.assert_allclose(controller.damped_least_squares(jacobian, twist, 0.1), expected, rtol=1e-10)
    # Without damping a full-rank Jacobian realises the twist exactly.
    exact = controller.damped_least_squares(jacobian, twist, 1e-12)
    np.testing.assert_allclose(jacobian @ exact, twist, atol=1e-8)


def test_nullspace_velocity_does_not_move_the_tcp():
    jacobian = _jacobian(1)
    pull = np.linspace(-1.0, 1.0, 7)
    projected = controller.nullspace_velocity(jacobian, pull, 1e-9)
    np.testing.assert_allclose(jacobian @ projected, 0.0, atol=1e-7)
    assert np.linalg.norm(projected) > 0.1  # one redundant degree of freedom remains


def test_clip_to_workspace_stops_at_the_walls_and_returns_from_outside():
    low, high = np.zeros(3), np.ones(3)
    inside = controller.clip_to_workspace(np.array([0.5, -0.5, 0.0]), np.array([0.99, 0.01, 0.5]), low, high,
                                          dt=0.1, max_speed=1.0)
    np.testing.assert_allclose(inside, [0.1, -0.1, 0.0])
    outside = controller.clip_to_workspace(np.zeros(3), np.array([1.5, 0.5, 0.5]), low, high, dt=0.1,
                                           max_speed=0.2)
    np.testing.assert_allclose(outside, [-0.2, 0.0, 0.0])


def test_clip_wrist_rate_respects_the_joint_direction():
    # Joint axis pointing down: a positive yaw rate turns the joint negatively.
    # 0.05 rad from the lower limit: at most 0.5 rad/s for 0.1 s.
    assert controller.clip_wrist_rate(1.0, -1.5, -1.0, -1.55, 1.55, dt=0.1) == pytest.approx(0.5)
    assert controller.clip_wrist_rate(-1.0, -1.5, -1.0, -1.55, 1.55, dt=0.1) == -1.0
    assert controller.clip_wrist_rate(1.0, 0.0, 1.0, -1.55, 1.55, dt=0.1) == 1.0


def test_tilt_correction_turns_the_tool_towards_down():
    tool_z = np.array([np.sin(0.1), 0.0, -np.cos(0.1)])  # tilted 0.1 rad toward +x
    omega = controller.tilt_correction(tool_z, gain=1.0)
    np.testing.assert_allclose(omega, [0.0, np.sin(0.1), 0.0], atol=1e-12)  # about +y, toward -x
    assert np.dot(np.cross(omega, tool_z), controller.DOWN) > 0  # the tool turns toward down
    np.testing.assert_allclose(controller.tilt_correction(controller.DOWN, 5.0), 0.0)


def test_limit_joint_velocity_keeps_limits_and_direction():
    position = controller.JOINT_UPPER - 0.02
    velocity = np.full(7, 1.0)
    limited = controller.limit_joint_velocity(velocity, position, dt=0.05, margin=0.01)
    assert np.all(position + 0.05 * limited <= controller.JOINT_UPPER - 0.01 + 1e-12)
    fast = 10.0 * controller.JOINT_VELOCITY_LIMITS * np.linspace(0.1, 1.0, 7)
    scaled = controller.limit_joint_velocity(fast, controller.REST_POSTURE, dt=1e-3)
    assert np.all(np.abs(scaled) <= controller.JOINT_VELOCITY_LIMITS + 1e-12)
    np.testing.assert_allclose(scaled / np.linalg.norm(scaled), fast / np.linalg.norm(fast))


def test_joint_velocities_realise_the_requested_twist():
    jacobian = _jacobian(2)
    params = controller.ControllerParams(damping=1e-9)
    linear, yaw_rate = np.array([0.05, -0.02, 0.01]), 0.3
    velocity = controller.joint_velocities(jacobian, controller.REST_POSTURE, controller.DOWN, linear, yaw_rate,
                                           dt=0.05, params=params)
    np.testing.assert_allclose(jacobian @ velocity, [*linear, 0.0, 0.0, yaw_rate], atol=1e-6)
