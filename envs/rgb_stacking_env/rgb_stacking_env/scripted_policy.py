"""A scripted red-on-blue stacking policy that reads privileged object state.

Phases: approach above red (turning the gripper to red's faces), descend,
close, lift, move above blue, lower until red sits on blue, open, retreat
10 cm above red. A grasp that closes on nothing or loses red starts over with
the fingers across the other pair of faces. It reads only
`privileged/reward_state`, `privileged/object_poses`, `sawyer/pinch/pose` and
`sawyer/joints/angle`, which every observation set carries, so it can drive
state- and vision-based data collection alike.
"""

from __future__ import annotations

import enum
from typing import Mapping

import numpy as np

from rgb_stacking_env.observations import OBJECT_POSES_KEY
from rgb_stacking_env.rewards import BASKET_FLOOR_Z, REWARD_STATE_KEY, RewardState
from rgb_stacking_env.simulation import MAX_LINEAR_VELOCITY, MAX_YAW_RATE, WORKSPACE_HIGH, WORKSPACE_LOW, WRIST_RANGE

_GAIN = 3.0  # 1/s, position P-gain.
_YAW_GAIN = 2.0  # 1/s
_HOVER = 0.06  # m above the red object's top before descending.
_GRASP_DEPTH = 0.01  # m: pinch point below red's centre when grasping.
_CLEARANCE = 0.03  # m carried above blue's top.
_DROP = 0.004  # m above the stacked height when releasing.
_LEAVE = 0.10  # m above red at the end (stack_leave).
_REACHED = 0.006  # m
_ALIGNED = 0.05  # rad
_ALIGNED_XY = 0.006  # m, red over blue before lowering.
_FINGERTIP_CLEARANCE = 0.018  # m, lowest pinch height above the floor: closing fingers dip below it.
CLOSED_ON_NOTHING = 250.0  # finger reading of an empty, fully closed gripper.
LOST = 0.04  # m between the pinch and a held object: it is no longer in the hand.
_CLOSE_STEPS = 16  # 0.8 s: the fingers need ~1 s to close fully.
_OPEN_STEPS = 12
_WRIST_MARGIN = 0.1  # rad kept from the ends of the wrist range.


class Phase(enum.IntEnum):
    APPROACH = 0
    DESCEND = 1
    CLOSE = 2
    LIFT = 3
    CARRY = 4
    LOWER = 5
    OPEN = 6
    RETREAT = 7


def yaw_of(quaternion: np.ndarray) -> float:
    """Yaw of a frame's x axis about world z, from a wxyz quaternion."""
    w, x, y, z = quaternion
    return float(np.arctan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z)))


def horizontal_face_yaw(quaternion: np.ndarray) -> float:
    """Yaw of a horizontal body axis of an object resting on a face (defined mod pi/2)."""
    w, x, y, z = quaternion
    rotation = np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
            [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
            [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
        ]
    )
    vertical = int(np.argmax(np.abs(rotation[2])))
    axis = rotation[:, (vertical + 1) % 3]
    return float(np.arctan2(axis[1], axis[0]))


def wrap_angle(angle: float, period: float) -> float:
    """Angle in [-period / 2, period / 2)."""
    return (angle + period / 2) % period - period / 2


def within_wrist_range(yaw_error: float, observation: Mapping[str, np.ndarray], period: float) -> float:
    """`yaw_error` (a target defined modulo `period`) turned the other way if the wrist range ends first.

    The reference zeroes yaw commands beyond +-pi/2 (the wrist's yaw is -q6: its axis points down),
    so a target past the range would never be reached. The other way is taken only when it ends
    nearer the middle of the range, so a target near both ends cannot flip back and forth.
    """
    wrist_yaw = -float(observation["sawyer/joints/angle"][0, 6])  # newest first
    other_way = yaw_error - np.sign(yaw_error) * period
    if abs(wrist_yaw + yaw_error) > WRIST_RANGE[1] - _WRIST_MARGIN and abs(wrist_yaw + other_way) < abs(
        wrist_yaw + yaw_error
    ):
        return other_way
    return yaw_error


class ScriptedStackingPolicy:
    """Call `reset()` at each episode start, then `policy(observation) -> action [5]`."""

    def __init__(self):
        self.reset()

    def reset(self) -> None:
        self.phase = Phase.APPROACH
        self._phase_steps = 0
        self._failed_grasps = 0
        self._face_pair = 0  # 0: fingers across the face-axis yaw, 1: across the other pair
        self._carry_z = WORKSPACE_HIGH[2]

    def _advance(self, phase: Phase) -> None:
        self.phase = phase
        self._phase_steps = 0

    def __call__(self, observation: Mapping[str, np.ndarray]) -> np.ndarray:
        state = RewardState.from_vector(observation[REWARD_STATE_KEY])
        poses = observation[OBJECT_POSES_KEY]  # [3, 7] red, green, blue
        pinch_yaw = yaw_of(observation["sawyer/pinch/pose"][0, 3:])  # newest first
        pinch, red, blue = state.pinch_pos, state.red_pos, state.blue_pos
        red_top = red[2] + state.red_half_height
        stacked_red_z = blue[2] + state.blue_half_height + state.red_half_height
        self._phase_steps += 1

        holding = self.phase in (Phase.LIFT, Phase.CARRY, Phase.LOWER)
        if holding and (state.gripper_angle >= CLOSED_ON_NOTHING or np.linalg.norm(pinch - red) > LOST):
            self._failed_grasps += 1
            self._advance(Phase.APPROACH)  # the grasp failed or slipped: try across the other faces
        yaw_error = 0.0
        close = self.phase in (Phase.CLOSE, Phase.LIFT, Phase.CARRY, Phase.LOWER)
        if self.phase == Phase.APPROACH:
            # Fingers across the nearest pair of faces first, the other pair after each failure.
            face_yaw = horizontal_face_yaw(poses[0, 3:])
            if self._phase_steps == 1:
                nearest = int(abs(wrap_angle(face_yaw - pinch_yaw, np.pi)) > np.pi / 4)
                self._face_pair = nearest if self._failed_grasps == 0 else 1 - self._face_pair
            yaw_error = wrap_angle(face_yaw + self._face_pair * np.pi / 2 - pinch_yaw, np.pi)
            yaw_error = within_wrist_range(yaw_error, observation, np.pi)
            target = np.array([red[0], red[1], red_top + _HOVER])
            if np.linalg.norm(target - pinch) < _REACHED * 2 and abs(yaw_error) < _ALIGNED:
                self._advance(Phase.DESCEND)
        elif self.phase == Phase.DESCEND:
            target = np.array([red[0], red[1], max(red[2] - _GRASP_DEPTH, BASKET_FLOOR_Z + _FINGERTIP_CLEARANCE)])
            if np.linalg.norm(target - pinch) < _REACHED or self._phase_steps > 60:
                self._advance(Phase.CLOSE)
        elif self.phase == Phase.CLOSE:
            target = pinch
            if self._phase_steps >= _CLOSE_STEPS:
                self._advance(Phase.LIFT)
        elif self.phase == Phase.LIFT:
            carry_z = stacked_red_z + _CLEARANCE + (pinch[2] - red[2])
            target = np.array([pinch[0], pinch[1], min(carry_z, WORKSPACE_HIGH[2])])
            if abs(target[2] - pinch[2]) < _REACHED:
                self._carry_z = target[2]
                self._advance(Phase.CARRY)
        elif self.phase == Phase.CARRY:
            offset = pinch - red  # keep the grasp offset while carrying
            target = np.clip(
                np.array([blue[0] + offset[0], blue[1] + offset[1], self._carry_z]), WORKSPACE_LOW, WORKSPACE_HIGH
            )
            if np.linalg.norm(target[:2] - pinch[:2]) < _ALIGNED_XY:
                self._advance(Phase.LOWER)
        elif self.phase == Phase.LOWER:
            offset = pinch - red
            target = np.clip(
                np.array([blue[0], blue[1], stacked_red_z + _DROP]) + offset, WORKSPACE_LOW, WORKSPACE_HIGH
            )
            if state.red_touches_blue > 0.5 or red[2] < stacked_red_z + _DROP + 0.002 or self._phase_steps > 60:
                self._advance(Phase.OPEN)
        elif self.phase == Phase.OPEN:
            target = pinch
            if self._phase_steps >= _OPEN_STEPS:
                self._advance(Phase.RETREAT)
        else:
            target = np.array([pinch[0], pinch[1], red[2] + _LEAVE])

        velocity = np.clip(_GAIN * (target - pinch), -MAX_LINEAR_VELOCITY, MAX_LINEAR_VELOCITY)
        yaw_rate = np.clip(_YAW_GAIN * yaw_error, -MAX_YAW_RATE, MAX_YAW_RATE)
        return np.array([*velocity, yaw_rate, 1.0 if close else -1.0], np.float32)
