"""Cartesian velocity control of the Sawyer: pure numpy functions.

An action asks for a TCP linear velocity (world frame) and a rotation rate
about the world z axis. `joint_velocities` turns it into joint velocities with
damped least squares on the 6x7 TCP Jacobian, adds a null-space pull toward a
rest posture, keeps the gripper pointing down by feeding the tilt error back
as an angular velocity, and respects joint position and velocity limits. The
workspace box and wrist range are enforced on the command beforehand
(`clip_to_workspace`, `clip_wrist_rate`), as in the reference effector chain.
"""
from __future__ import annotations

import dataclasses

import mujoco
import numpy as np
from dm_robotics.moma.models.robots.robot_arms import sawyer_constants

# Reference rest posture for the null space (rgb_stacking task).
REST_POSTURE = np.array([0.0, -0.5186220703125, -0.529384765625, 1.220857421875, 0.40857421875,
                         1.07831640625, 0.0])
JOINT_LOWER = np.array(sawyer_constants.JOINT_LIMITS["min"])
JOINT_UPPER = np.array(sawyer_constants.JOINT_LIMITS["max"])
JOINT_VELOCITY_LIMITS = np.array(sawyer_constants.VELOCITY_LIMITS["max"])
DOWN = np.array([0.0, 0.0, -1.0])


@dataclasses.dataclass(frozen=True)
class ControllerParams:
    """Gains of the Cartesian velocity controller."""
    damping: float = 1e-2            # DLS regularisation (squared singular value units).
    nullspace_gain: float = 0.5      # 1/s, pull toward REST_POSTURE.
    nullspace_damping: float = 1e-6  # near-exact projection: a leaky one fights the task.
    tilt_gain: float = 10.0          # 1/s, feedback on the gripper's deviation from vertical.
    joint_limit_margin: float = 0.01  # rad kept from each joint limit.


def clip_to_workspace(velocity: np.ndarray, position: np.ndarray, low: np.ndarray, high: np.ndarray,
                      dt: float, max_speed: float) -> np.ndarray:
    """Limits a [3] velocity so `position + dt * velocity` stays in the box [low, high].

    A position already outside the box is driven back at up to `max_speed`.
    """
    clipped = np.minimum(np.maximum(velocity, (low - position) / dt), (high - position) / dt)
    return np.minimum(np.maximum(clipped, -max_speed), max_speed)


def clip_wrist_rate(rate: float, wrist_angle: float, axis_sign: float, low: float, high: float,
                    dt: float) -> float:
    """Limits a rotation rate about world z so the wrist joint stays in [low, high].

    `axis_sign` is +1 when the wrist joint axis points up, -1 when down; the
    joint then turns at `axis_sign * rate`.
    """
    joint_rate = axis_sign * rate
    joint_rate = min(max(joint_rate, (low - wrist_angle) / dt), (high - wrist_angle) / dt)
    return axis_sign * joint_rate


def tilt_correction(tool_z: np.ndarray, gain: float) -> np.ndarray:
    """Angular velocity [3] turning the tool z axis (world frame, [3]) toward straight down.

    gain * (tool_z x DOWN), written out (np.cross costs ~40 us on 3-vectors).
    """
    return np.array([-gain * tool_z[1], gain * tool_z[0], 0.0])


def damped_least_squares(jacobian: np.ndarray, twist: np.ndarray, damping: float) -> np.ndarray:
    """Joint velocities [n] that best realise a [6] twist with Jacobian [6, n].

    Solves (J J^T + damping I) y = twist by Cholesky with MuJoCo's single-threaded
    routines: LAPACK's threaded solve costs ~50x more for a 6x6 system.
    """
    system = jacobian @ jacobian.T  # [6, 6]
    system.flat[::system.shape[0] + 1] += damping
    mujoco.mju_cholFactor(system, 0.0)
    solution = np.empty(jacobian.shape[0])
    mujoco.mju_cholSolve(solution, system, np.ascontiguousarray(twist, dtype=np.float64))
    return jacobian.T @ solution


def nullspace_velocity(jacobian: np.ndarray, joint_velocity: np.ndarray, damping: float) -> np.ndarray:
    """Projects a [n] joint velocity onto the (damped) null space of the [6, n] Jacobian."""
    return joint_velocity - damped_least_squares(jacobian, jacobian @ joint_velocity, damping)


def limit_joint_velocity(joint_velocity: np.ndarray, joint_position: np.ndarray, dt: float,
                         lower: np.ndarray = JOINT_LOWER, upper: np.ndarray = JOINT_UPPER,
                         max_velocity: np.ndarray = JOINT_VELOCITY_LIMITS, margin: float = 0.01) -> np.ndarray:
    """Keeps one control period inside the joint limits, then scales into the velocity limits.

    The velocity limit is applied by a common scale factor, so the direction
    of motion (and the Cartesian direction) is preserved.
    """
    velocity = np.minimum(np.maximum(joint_velocity, (lower + margin - joint_position) / dt),
                          (upper - margin - joint_position) / dt)
    ratio = (np.abs(velocity) / max_velocity).max()
    return velocity / ratio if ratio > 1.0 else velocity


def joint_velocities(jacobian: np.ndarray, joint_position: np.ndarray, tool_z: np.ndarray,
                     linear_velocity: np.ndarray, yaw_rate: float, dt: float,
                     params: ControllerParams = ControllerParams()) -> np.ndarray:
    """Joint velocities [7] for a TCP twist request.

    Args:
        jacobian: [6, 7] TCP Jacobian, rows (linear xyz, angular xyz), world frame.
        joint_position: [7] arm joint angles.
        tool_z: [3] the TCP's z axis in the world frame (points along the fingers).
        linear_velocity: [3] requested TCP velocity, world frame, m/s.
        yaw_rate: requested rotation rate about world z, rad/s.
        dt: control period, s.
    """
    angular = tilt_correction(tool_z, params.tilt_gain)  # [3]
    angular[2] += yaw_rate
    twist = np.concatenate([linear_velocity, angular])  # [6]
    velocity = damped_least_squares(jacobian, twist, params.damping)  # [7]
    pull = params.nullspace_gain * (REST_POSTURE - joint_position)  # [7]
    velocity += nullspace_velocity(jacobian, pull, params.nullspace_damping)
    return limit_joint_velocity(velocity, joint_position, dt, margin=params.joint_limit_margin)

