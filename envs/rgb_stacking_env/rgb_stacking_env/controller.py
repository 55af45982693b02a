"""Cartesian velocity control of the Sawyer: pure numpy functions.

An action asks for a wrist-site linear velocity (world frame) and a rotation
rate about the world z axis, as the reference's 4-D Cartesian effector
(dm-robotics 0.9.0). `joint_velocities` scales the linear part to norm <= 0.07
m/s and the angular part to norm <= 1 rad/s (as vectors, not per axis), turns
the twist into joint velocities with damped least squares on the 6x7 wrist
Jacobian, adds an exact null-space pull toward the rest posture, keeps the
gripper pointing down by feeding the tilt angle back (gain 0.8 1/s) and
respects joint position (gain 19 1/s, 0.01 rad margin) and velocity limits.
The workspace box and wrist range are enforced on the command beforehand with
the reference's rule (`limit_to_box`): a component is zeroed only when the
state is already outside and the command pushes further out.
"""

from __future__ import annotations

import dataclasses

import mujoco
import numpy as np
from dm_robotics.moma.models.robots.robot_arms import sawyer_constants

# Reference rest posture for the null space (rgb_stacking task).
REST_POSTURE = np.array([0.0, -0.5186220703125, -0.529384765625, 1.220857421875, 0.40857421875, 1.07831640625, 0.0])
JOINT_LOWER = np.array(sawyer_constants.JOINT_LIMITS["min"])
JOINT_UPPER = np.array(sawyer_constants.JOINT_LIMITS["max"])
JOINT_VELOCITY_LIMITS = np.array(sawyer_constants.VELOCITY_LIMITS["max"])
DOWN = np.array([0.0, 0.0, -1.0])
MAX_LINEAR_VELOCITY = 0.07  # m/s, norm of the wrist's linear velocity (the action's bound per axis too)
MAX_YAW_RATE = 1.0  # rad/s, norm of the angular velocity (the action's yaw bound too)


@dataclasses.dataclass(frozen=True)
class ControllerParams:
    """Gains and limits of the Cartesian velocity controller (the reference's values)."""

    damping: float = 1e-2  # DLS regularisation (squared singular value units).
    nullspace_gain: float = 0.5  # 1/s, pull toward REST_POSTURE.
    nullspace_damping: float = 1e-6  # near-exact projection: a leaky one fights the task.
    tilt_gain: float = 0.8  # 1/s, feedback on the gripper's tilt angle from vertical.
    max_linear_speed: float = MAX_LINEAR_VELOCITY  # m/s, norm of the linear velocity.
    max_angular_speed: float = MAX_YAW_RATE  # rad/s, norm of the angular velocity (tilt feedback included).
    joint_limit_gain: float = 19.0  # 1/s, approach rate to a joint limit (0.95 per 50 ms).
    joint_limit_margin: float = 0.01  # rad kept from each joint limit.


def limit_to_box(command: np.ndarray, state: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Zeroes each component of `command` that pushes a `state` already outside [low, high] further out.

    The reference's workspace rule: never predictive, never driving back (a
    state can overshoot a wall by one control period's motion).
    """
    outward = ((state < low) & (command < 0.0)) | ((state > high) & (command > 0.0))
    return np.where(outward, 0.0, command)


def scale_to_norm(vector: np.ndarray, max_norm: float) -> np.ndarray:
    """`vector` scaled down (direction kept) so that its norm is at most `max_norm`."""
    norm = float(np.sqrt(vector @ vector))
    return vector * (max_norm / norm) if norm > max_norm else vector


def tilt_correction(tool_z: np.ndarray, gain: float) -> np.ndarray:
    """Angular velocity [3] turning the tool z axis (world frame, [3]) toward straight down.

    gain * tilt angle about the axis tool_z x DOWN (the reference's stabiliser).
    """
    axis = np.array([-tool_z[1], tool_z[0], 0.0])  # tool_z x DOWN, written out
    sine = float(np.sqrt(axis @ axis))
    if sine < 1e-12:
        return np.zeros(3)
    angle = np.arctan2(sine, -tool_z[2])
    return (gain * angle / sine) * axis


def damped_least_squares(jacobian: np.ndarray, twist: np.ndarray, damping: float) -> np.ndarray:
    """Joint velocities [n] that best realise a [6] twist with Jacobian [6, n].

    Solves (J J^T + damping I) y = twist by Cholesky with MuJoCo's single-threaded
    routines: LAPACK's threaded solve costs ~50x more for a 6x6 system.
    """
    system = jacobian @ jacobian.T  # [6, 6]
    system.flat[:: system.shape[0] + 1] += damping
    mujoco.mju_cholFactor(system, 0.0)
    solution = np.empty(jacobian.shape[0])
    mujoco.mju_cholSolve(solution, system, np.ascontiguousarray(twist, dtype=np.float64))
    return jacobian.T @ solution


def nullspace_velocity(jacobian: np.ndarray, joint_velocity: np.ndarray, damping: float) -> np.ndarray:
    """Projects a [n] joint velocity onto the (damped) null space of the [6, n] Jacobian."""
    return joint_velocity - damped_least_squares(jacobian, jacobian @ joint_velocity, damping)


def limit_joint_velocity(
    joint_velocity: np.ndarray,
    joint_position: np.ndarray,
    gain: float,
    margin: float,
    lower: np.ndarray = JOINT_LOWER,
    upper: np.ndarray = JOINT_UPPER,
    max_velocity: np.ndarray = JOINT_VELOCITY_LIMITS,
) -> np.ndarray:
    """Approaches joint limits at most at `gain` times the remaining distance, then scales into the velocity limits.

    The velocity limit is applied by a common scale factor, so the direction
    of motion (and the Cartesian direction) is preserved.
    """
    velocity = np.minimum(
        np.maximum(joint_velocity, gain * np.minimum(lower + margin - joint_position, 0.0)),
        gain * np.maximum(upper - margin - joint_position, 0.0),
    )
    ratio = (np.abs(velocity) / max_velocity).max()
    return velocity / ratio if ratio > 1.0 else velocity


def joint_velocities(
    jacobian: np.ndarray,
    joint_position: np.ndarray,
    tool_z: np.ndarray,
    linear_velocity: np.ndarray,
    yaw_rate: float,
    params: ControllerParams = ControllerParams(),
) -> np.ndarray:
    """Joint velocities [7] for a wrist twist request.

    Args:
        jacobian: [6, 7] wrist-site Jacobian, rows (linear xyz, angular xyz), world frame.
        joint_position: [7] arm joint angles.
        tool_z: [3] the wrist's z axis in the world frame (points along the fingers).
        linear_velocity: [3] requested wrist velocity, world frame, m/s.
        yaw_rate: requested rotation rate about world z, rad/s.
    """
    angular = tilt_correction(tool_z, params.tilt_gain)  # [3]
    angular[2] += yaw_rate
    twist = np.concatenate(
        [scale_to_norm(linear_velocity, params.max_linear_speed), scale_to_norm(angular, params.max_angular_speed)]
    )  # [6]
    velocity = damped_least_squares(jacobian, twist, params.damping)  # [7]
    pull = params.nullspace_gain * (REST_POSTURE - joint_position)  # [7]
    velocity += nullspace_velocity(jacobian, pull, params.nullspace_damping)
    return limit_joint_velocity(velocity, joint_position, params.joint_limit_gain, params.joint_limit_margin)
