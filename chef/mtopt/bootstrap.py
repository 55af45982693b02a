"""Noisy scripted bootstrap policies for MT-Opt on the RGB scene: pick, then place.

MT-Opt starts from scripted policies with low success rates. `NoisyPickPlace`
drives the phases of `rgb_stacking_env.scripted_policy` for any object: the
pick segment approaches, descends on, closes on and lifts an object; the place
segment carries what it holds over a target object, lowers, opens and
retreats. The pick turns the fingers across the nearest pair of the object's faces; as in the
benchmark's own scripted policy, a grasp that closes on nothing or loses the object while lifting
starts the approach over across the other pair (one pair of some objects' faces is slanted, and
fingers closed across it squeeze the object out). Noise makes them imperfect: an xy offset drawn
once per segment (the policy aims beside the object) and Gaussian noise on every velocity
command. With `random_action_probability` a decision's arm velocities are instead uniform in
the action box, as QT-Opt's epsilon exploration (offline, a Q-function only learns the effect
of actions that the data varies); its gripper keeps the phase's command, so exploration does
not drop what the policy holds. Gripper flips are their own, rarer, phase-aware exploration:
`gripper_flip_probability` per decision where the phase holds the gripper open (approach,
descend, open, retreat) and `held_flip_probability` where it holds it closed (close, lift,
carry, lower: a flip there usually drops the object). With `level_approach_probability` a pick
first goes to a point beside its object, near the object's height, and approaches from there: the
states where QT-Opt's greedy approach ends up and the straight scripted approach hardly goes
(docs/mt_opt.md, session 23). All of it reads only privileged state, so it drives any observation
set.
"""

from typing import Mapping

import numpy as np

from chef.mtopt.rgb_tasks import COLOURS, resting_half_heights
from rgb_stacking_env.observations import OBJECT_POSES_KEY
from rgb_stacking_env.rewards import BASKET_FLOOR_Z, REWARD_STATE_KEY, RewardState
from rgb_stacking_env.scripted_policy import (
    CLOSED_ON_NOTHING,
    LOST,
    Phase,
    horizontal_face_yaw,
    within_wrist_range,
    wrap_angle,
    yaw_of,
)
from rgb_stacking_env.simulation import MAX_LINEAR_VELOCITY, MAX_YAW_RATE, WORKSPACE_HIGH, WORKSPACE_LOW

_GAIN = 3.0  # 1/s, position P-gain.
_YAW_GAIN = 2.0  # 1/s
_HOVER = 0.06  # m above the object's top before descending.
_GRASP_DEPTH = 0.01  # m: pinch point below the object's centre when grasping.
_FINGERTIP_CLEARANCE = 0.018  # m, lowest pinch height above the floor.
_CLEARANCE = 0.03  # m carried above the target's top.
_LEAVE = 0.10  # m above the placed object at the end.
_REACHED = 0.006  # m
_ALIGNED = 0.05  # rad
_CLOSE_STEPS = 16
_BESIDE_DISTANCE = (0.06, 0.10)  # m, horizontal distance of the level approach's point from the object.
_BESIDE_TURN = np.pi / 3  # rad: its direction is at most this far from the one towards the pinch.
_BESIDE_REACHED = 0.015  # m
_BESIDE_STEPS = 120  # Control steps at most towards the point beside the object.
_OPEN_STEPS = 12
_NEXT_PHASE = {
    Phase.APPROACH: Phase.DESCEND,
    Phase.DESCEND: Phase.CLOSE,
    Phase.CLOSE: Phase.LIFT,
    Phase.LIFT: Phase.APPROACH,  # A failed grasp (`_grasp_failed`).
    Phase.CARRY: Phase.LOWER,
    Phase.LOWER: Phase.OPEN,
    Phase.OPEN: Phase.RETREAT,
}
_CLOSED_PHASES = (Phase.CLOSE, Phase.LIFT, Phase.CARRY, Phase.LOWER)  # The gripper holds closed.


class NoisyPickPlace:
    """`start_pick(colour)`, act; then `start_place(target)`, act. Call with an observation.

    aim_noise: std (m) of the per-segment xy aiming offset; action_noise: std of
    the Gaussian added to velocity commands, as a fraction of the velocity bound.
    decision_period: control steps each returned action is held for (`chef.mtopt.decisions`);
    the phase timeouts count control steps, so they last as long at any period. A phase ends on
    the observation that completes it, and that decision already acts in the next phase (the
    decision that reaches the grasp point closes the gripper): the same state never gets both.
    random_action_probability: chance that a decision's arm velocities are uniform in the box.
    gripper_flip_probability, held_flip_probability: chance that a decision's gripper command is
    flipped, in the open-gripper and in the closed-gripper phases (module docstring).
    level_approach_probability: chance that a pick segment first goes to a point beside its object,
    `_BESIDE_DISTANCE` away horizontally on the pinch's side (turned by up to `_BESIDE_TURN`), between
    the object's centre and top in height, and approaches from there.
    """

    def __init__(
        self,
        aim_noise: float,
        action_noise: float,
        rng: np.random.Generator,
        decision_period: int = 1,
        random_action_probability: float = 0.0,
        gripper_flip_probability: float = 0.0,
        held_flip_probability: float = 0.0,
        level_approach_probability: float = 0.0,
    ):
        if aim_noise < 0 or action_noise < 0:
            raise ValueError(f"noise levels must be >= 0, got aim_noise={aim_noise}, action_noise={action_noise}")
        if decision_period < 1:
            raise ValueError(f"decision_period must be >= 1, got {decision_period}")
        probabilities = {
            "random_action_probability": random_action_probability,
            "gripper_flip_probability": gripper_flip_probability,
            "held_flip_probability": held_flip_probability,
            "level_approach_probability": level_approach_probability,
        }
        for name, value in probabilities.items():
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must lie in [0, 1], got {value}")
        self._aim_noise, self._action_noise, self._rng = aim_noise, action_noise, rng
        self._random_action_probability = random_action_probability
        self._flip_probability = {False: gripper_flip_probability, True: held_flip_probability}
        self._level_approach_probability = level_approach_probability
        self._period = int(decision_period)
        self._half_heights: dict[str, float] = {}
        self.held: str | None = None
        self.target: str | None = None
        self.phase = Phase.APPROACH
        self._steps = 0
        self._offset = np.zeros(2)
        # After a failed grasp, the pair of faces to grasp across: 0 at the face-axis yaw, 1 across
        # the other pair; None before (the nearest pair).
        self._face_pair: int | None = None
        # A level approach: True from start_pick until its first decision sets `beside`, the point
        # [3] (m, in the world: a pushed object does not move it), kept until the pinch reaches it
        # or `_BESIDE_STEPS` control steps have passed.
        self._level_approach = False
        self.beside: np.ndarray | None = None

    def reset(self, first_observation: Mapping[str, np.ndarray]) -> None:
        """At each environment reset: measures the objects' half-heights at rest."""
        self._half_heights = resting_half_heights(first_observation)

    def _begin(self, phase: Phase) -> None:
        self.phase, self._steps = phase, 0
        self._offset = self._rng.normal(0.0, self._aim_noise, size=2)

    def start_pick(self, colour: str) -> None:
        if colour not in COLOURS:
            raise ValueError(f"unknown object colour {colour!r}; valid: {COLOURS}")
        self.held, self.target, self._face_pair = colour, None, None
        self._begin(Phase.APPROACH)
        p = self._level_approach_probability
        self._level_approach, self.beside = bool(p and self._rng.random() < p), None

    def start_place(self, target: str) -> None:
        if target not in COLOURS or target == self.held:
            raise ValueError(
                f"place target must be a colour of {COLOURS} other than the picked {self.held!r}, got {target!r}"
            )
        self.target = target
        self._level_approach, self.beside = False, None
        self._begin(Phase.CARRY)

    def _phase_target(
        self, observation: Mapping[str, np.ndarray], state: RewardState
    ) -> tuple[np.ndarray, float, bool]:
        """The current phase's pinch target [3] (m), yaw error (rad) and whether the phase is over,
        judged on `observation` (`state`: its reward state) after the control steps already spent
        in the phase."""
        pinch, obj = state.pinch_pos, _position(state, self.held)
        half = self._half_heights[self.held]
        aim = obj[:2] + self._offset
        if self.phase == Phase.APPROACH:
            face_yaw = horizontal_face_yaw(observation[OBJECT_POSES_KEY][COLOURS.index(self.held), 3:])
            pinch_yaw = yaw_of(observation["sawyer/pinch/pose"][0, 3:])  # newest first
            period = np.pi / 2 if self._face_pair is None else np.pi  # Either pair, or the one chosen.
            yaw_error = wrap_angle(face_yaw + (self._face_pair or 0) * np.pi / 2 - pinch_yaw, period)
            yaw_error = within_wrist_range(yaw_error, observation, period)
            if self.beside is not None:
                return self.beside, yaw_error, False
            target = np.array([aim[0], aim[1], obj[2] + half + _HOVER])
            reached = np.linalg.norm(target - pinch) < 2 * _REACHED and abs(yaw_error) < _ALIGNED
            return target, yaw_error, reached or self._steps > 120
        if self.phase == Phase.DESCEND:
            target = np.array([aim[0], aim[1], max(obj[2] - _GRASP_DEPTH, BASKET_FLOOR_Z + _FINGERTIP_CLEARANCE)])
            return target, 0.0, np.linalg.norm(target - pinch) < _REACHED or self._steps > 60
        if self.phase == Phase.CLOSE:
            return pinch, 0.0, self._steps >= _CLOSE_STEPS
        if self.phase == Phase.LIFT:
            return np.array([pinch[0], pinch[1], WORKSPACE_HIGH[2]]), 0.0, _grasp_failed(state, pinch, obj)
        support = _position(state, self.target)
        support_top = support[2] + self._half_heights[self.target]
        offset = pinch - obj  # Keep the grasp offset while carrying.
        goal = support[:2] + self._offset + offset[:2]
        if self.phase == Phase.CARRY:
            target = np.array([goal[0], goal[1], support_top + 2 * half + _CLEARANCE + offset[2]])
            return target, 0.0, np.linalg.norm(target[:2] - pinch[:2]) < _REACHED or self._steps > 120
        if self.phase == Phase.LOWER:
            target = np.array([goal[0], goal[1], support_top + half + offset[2]])
            return target, 0.0, obj[2] - half < support_top + 0.004 or self._steps > 60
        if self.phase == Phase.OPEN:
            return pinch, 0.0, self._steps >= _OPEN_STEPS
        return np.array([pinch[0], pinch[1], obj[2] + _LEAVE]), 0.0, False

    def __call__(self, observation: Mapping[str, np.ndarray]) -> np.ndarray:
        if self.held is None or not self._half_heights:
            raise ValueError("call reset(first_observation) and start_pick(colour) before acting")
        state = RewardState.from_vector(observation[REWARD_STATE_KEY])
        self._update_level_approach(state)
        target, yaw_error, phase_done = self._phase_target(observation, state)
        if phase_done:  # Act in the next phase at once: the state that ends a phase gets its action.
            if self.phase == Phase.LIFT:  # The grasp failed: approach again across the other faces,
                # measured now (a squeezed-out object may have turned; docs/mt_opt.md, session 21).
                self._face_pair = 1 - _face_pair_across(observation, self.held)
            self.phase, self._steps = _NEXT_PHASE[self.phase], 0
            target, yaw_error, _ = self._phase_target(observation, state)
        self._steps += self._period
        close = self.phase in _CLOSED_PHASES
        target = np.clip(target, WORKSPACE_LOW, WORKSPACE_HIGH)
        noise = self._rng.normal(0.0, self._action_noise * MAX_LINEAR_VELOCITY, 3)
        velocity = _GAIN * (target - state.pinch_pos) + noise
        velocity = np.clip(velocity, -MAX_LINEAR_VELOCITY, MAX_LINEAR_VELOCITY)
        yaw_rate = np.clip(_YAW_GAIN * yaw_error, -MAX_YAW_RATE, MAX_YAW_RATE)
        if self._random_action_probability and self._rng.random() < self._random_action_probability:
            velocity, yaw_rate = random_arm_action(self._rng)
        flip_probability = self._flip_probability[close]
        if flip_probability and self._rng.random() < flip_probability:
            close = not close
        return np.array([*velocity, yaw_rate, 1.0 if close else -1.0], np.float32)

    def _update_level_approach(self, state: RewardState) -> None:
        """Draws the point beside the object at a level approach's first decision; drops it once the
        pinch is there or `_BESIDE_STEPS` control steps have passed (the approach proper then starts)."""
        if self._level_approach:
            obj = _position(state, self.held)
            towards_pinch = np.arctan2(state.pinch_pos[1] - obj[1], state.pinch_pos[0] - obj[0])
            angle = towards_pinch + self._rng.uniform(-_BESIDE_TURN, _BESIDE_TURN)
            distance = self._rng.uniform(*_BESIDE_DISTANCE)
            height = max(
                obj[2] + self._rng.uniform(0.0, self._half_heights[self.held]), BASKET_FLOOR_Z + _FINGERTIP_CLEARANCE
            )
            beside = np.array([obj[0] + distance * np.cos(angle), obj[1] + distance * np.sin(angle), height])
            self.beside = np.clip(beside, WORKSPACE_LOW, WORKSPACE_HIGH)  # The pinch can get there.
            self._level_approach = False
        elif self.beside is not None:
            if np.linalg.norm(self.beside - state.pinch_pos) < _BESIDE_REACHED or self._steps > _BESIDE_STEPS:
                self.beside, self._steps = None, 0


def _position(state: RewardState, colour: str) -> np.ndarray:
    """The centre [3] (m) of the object of `colour`."""
    return {"red": state.red_pos, "green": state.green_pos, "blue": state.blue_pos}[colour]


def _face_pair_across(observation: Mapping[str, np.ndarray], colour: str) -> int:
    """The pair of `colour`'s faces the fingers are across now (0: at the face-axis yaw, 1: the other)."""
    face_yaw = horizontal_face_yaw(observation[OBJECT_POSES_KEY][COLOURS.index(colour), 3:])
    pinch_yaw = yaw_of(observation["sawyer/pinch/pose"][0, 3:])
    return int(abs(wrap_angle(face_yaw - pinch_yaw, np.pi)) > np.pi / 4)


def _grasp_failed(state: RewardState, pinch: np.ndarray, obj: np.ndarray) -> bool:
    """Whether the fingers closed on nothing or the object left the hand."""
    return bool(state.gripper_angle >= CLOSED_ON_NOTHING or np.linalg.norm(pinch - obj) > LOST)


def random_arm_action(rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """Linear velocity [3] and yaw rate, uniform in the action box."""
    return rng.uniform(-MAX_LINEAR_VELOCITY, MAX_LINEAR_VELOCITY, 3), float(rng.uniform(-MAX_YAW_RATE, MAX_YAW_RATE))
