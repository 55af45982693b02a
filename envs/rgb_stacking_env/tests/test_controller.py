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


def test_limit_to_box_zeroes_only_outward_commands_from_outside():
    low, high = np.zeros(3), np.ones(3)
    command = np.array([0.5, -0.5, 0.3])
    # Inside (even next to a wall) nothing is changed: the reference rule is not predictive.
    np.testing.assert_array_equal(controller.limit_to_box(command, np.array([0.99, 0.01, 0.5]), low, high), command)
    # Outside: the component pushing further out is zeroed, one pointing back is kept.
    np.testing.assert_array_equal(
        controller.limit_to_box(command, np.array([1.5, -0.2, 0.5]), low, high), [0.0, 0.0, 0.3]
    )
    np.testing.assert_array_equal(
        controller.limit_to_box(-command, np.array([1.5, -0.2, 0.5]), low, high), [-0.5, 0.5, -0.3]
    )


def test_scale_to_norm_keeps_direction():
    diagonal = np.array([0.07, -0.07, 0.07])
    scaled = controller.scale_to_norm(diagonal, 0.07)
    assert np.linalg.norm(scaled) == pytest.approx(0.07)
    np.testing.assert_allclose(scaled / np.linalg.norm(scaled), diagonal / np.linalg.norm(diagonal))
    small = np.array([0.01, 0.0, 0.0])
    np.testing.assert_array_equal(controller.scale_to_norm(small, 0.07), small)


def test_tilt_correction_is_gain_times_tilt_angle_toward_down():
    tool_z = np.array([np.sin(0.3), 0.0, -np.cos(0.3)])  # tilted 0.3 rad toward +x
    omega = controller.tilt_correction(tool_z, gain=0.8)
    np.testing.assert_allclose(omega, [0.0, 0.8 * 0.3, 0.0], atol=1e-12)  # about +y, toward -x
    assert np.dot(np.cross(omega, tool_z), controller.DOWN) > 0  # the tool turns toward down
    np.testing.assert_allclose(controller.tilt_correction(controller.DOWN, 5.0), 0.0)


def test_limit_joint_velocity_keeps_limits_and_direction():
    position = controller.JOINT_UPPER - 0.02
    velocity = np.full(7, 1.0)
    limited = controller.limit_joint_velocity(velocity, position, gain=19.0, margin=0.01)
    np.testing.assert_allclose(limited, 19.0 * 0.01)  # approaches the margin at 19 x the remaining distance
    inside_margin = controller.limit_joint_velocity(velocity, controller.JOINT_UPPER - 0.005, gain=19.0, margin=0.01)
    np.testing.assert_allclose(inside_margin, 0.0)  # no further motion toward a limit inside the margin
    fast = 10.0 * controller.JOINT_VELOCITY_LIMITS * np.linspace(0.1, 1.0, 7)
    scaled = controller.limit_joint_velocity(fast, controller.REST_POSTURE, gain=1e3, margin=0.01)
    assert np.all(np.abs(scaled) <= controller.JOINT_VELOCITY_LIMITS + 1e-12)
    np.testing.assert_allclose(scaled / np.linalg.norm(scaled), fast / np.linalg.norm(fast))


def test_joint_velocities_realise_the_requested_twist():
    jacobian = _jacobian(2)
    params = controller.ControllerParams(damping=1e-9)
    linear, yaw_rate = np.array([0.05, -0.02, 0.01]), 0.3
    velocity = controller.joint_velocities(
        jacobian, controller.REST_POSTURE, controller.DOWN, linear, yaw_rate, params=params
    )
    np.testing.assert_allclose(jacobian @ velocity, [*linear, 0.0, 0.0, yaw_rate], atol=1e-6)
    # A diagonal request at the per-axis bound is scaled as a vector to 0.07 m/s (reference semantics).
    diagonal = np.array([0.07, -0.07, 0.07])
    velocity = controller.joint_velocities(
        jacobian, controller.REST_POSTURE, controller.DOWN, diagonal, 0.0, params=params
    )
    np.testing.assert_allclose(jacobian @ velocity, [*(diagonal / np.sqrt(3)), 0.0, 0.0, 0.0], atol=1e-6)
