"""RGB-Stacking task rewards as pure numpy functions of a packed physics state.

The environment packs everything the rewards need into `RewardState` on every
step and stores `RewardState.to_vector()` in the observation under
`privileged/reward_state`, so rewards can be recomputed (relabelled) later from
stored observations with `rewards_from_observation`. Every function accepts
leading batch dimensions. Equations, vector layout and choices: docs/rewards.md.

Definitions follow the reference shaped stacking reward of Lee et al. 2021
(the components CHEF uses as its sub-tasks), with p = pinch (TCP) position,
r / b = red / blue centre, g = finger reading (0 open .. 255 closed), G = grasp
flag, h = red_half_height + blue_half_height, and D the distance shaping of
`rgb_stacking_env.shaping.distance_reward`:

    open         = 1 - g / 255                                  (CHEF only)
    reach        = D(r - p; 0.02, 0.15)
    grasp        = max(0.5 * D(255 - g; exact, 255), 1[G = 2])
    reach_grasp  = reach * (0.5 + grasp / 2) if reach > 0.9 else 0.5 * reach
    lift         = grasp * clip((c - 0.035) / 0.045, 0, 1) * 1[r in workspace]
    place        = 0 if r_z < 0.1 else D(b + (0, 0, h) - r; 0.01, 0.2)
    stack        = 1[||r_xy - b_xy|| <= 0.03, |r_z - b_z - h| <= 0.01, G != 2]
    stack_leave  = stack * D(r + (0, 0, 0.1) - p; (1, 1, 0.03), 0.05)

Choices where the published text leaves room:
- Real object heights. The reference hard-codes 4 cm objects (stack and place
  offset 0.04, lift from z = 0.1048). Here the stack offset is h, and lift is
  measured by the red object's clearance above the basket floor,
  c = r_z - red_half_height - 0.0498 (the floor's top surface, from the
  basket's collision geometry). Lift starts at 3.5 cm clearance and saturates
  at 8 cm, which for a 4 cm object is the reference's 0.1048 .. 0.1498.
- Workspace test: the reference keeps red inside the workspace with a
  tolerance-weighted norm, so the region is the ellipsoid inscribed in the box
  centred (0.6, 0, 0.1698) with half-extents (0.125, 0.125, 0.1); kept as is.
- place keeps the reference's absolute z_min = 0.1.
- stack_leave: CHEF describes it as "stack, with the TCP at least 10 cm from
  red"; the reference formula above (TCP within 3 cm vertically of the point
  10 cm above red, anywhere horizontally) is used, so red stacked on blue with
  an open gripper 10 cm above red gives stack = stack_leave = 1.
- open: CHEF's "proportional to the opening angle of the gripper".
- composite: the reference's staged reward over [reach_grasp, lift, place,
  stack, stack_leave]: the last stage i with value > 0.01 gives (i + r_i) / 5;
  when none exceeds it, the reference falls through to (0 + reach_grasp) / 5.
- sparse_success: red within 5 cm of blue in xy, centre more than 2 cm above
  blue's, touching blue and neither the ground (floor or basket) nor the robot.
"""

from __future__ import annotations

from typing import Dict, Mapping, NamedTuple, Sequence, Tuple

import numpy as np

from rgb_stacking_env.shaping import EXACT_TOLERANCE, distance_reward, within_tolerance

TASK_NAMES: Tuple[str, ...] = ("open", "reach_grasp", "lift", "place", "stack", "stack_leave")
# Every reward `compute_rewards` returns; valid names for `reward_vector`.
REWARD_NAMES: Tuple[str, ...] = TASK_NAMES + ("composite", "sparse_success")
REWARD_STATE_KEY = "privileged/reward_state"
# The composite's stages, [reach_grasp, lift, place, stack, stack_leave], in REWARD_NAMES.
_STAGE_SLICE = slice(REWARD_NAMES.index("reach_grasp"), REWARD_NAMES.index("stack_leave") + 1)

# Scene (world frame, metres).
BASKET_FLOOR_Z = 0.0498
WORKSPACE_CENTER = np.array([0.6, 0.0, 0.1698])
WORKSPACE_HALF_EXTENTS = np.array([0.125, 0.125, 0.1])
_UP = np.array([0.0, 0.0, 1.0])
FINGERS_CLOSED = 255.0
INWARD_GRASP = 2

# The four shaped distances of compute_rewards, evaluated in one vectorised call
# on [..., 4, 3] offsets; the 1-D finger closure enters as (255 - g, 0, 0).
_SHAPED_TERMS = ("reach", "close_fingers", "place", "above_red")
_SHAPING_TOLERANCE = np.array(
    [  # [4, 3]
        [0.02, 0.02, 0.02],
        [EXACT_TOLERANCE] * 3,
        [0.01, 0.01, 0.01],
        [1.0, 1.0, 0.03],  # anywhere horizontally, within 3 cm vertically
    ]
)
_SHAPING_MARGIN = np.array([0.15, FINGERS_CLOSED, 0.2, 0.05])  # [4]
_REACH_GRASP_THRESHOLD = 0.9
_LIFT_START_CLEARANCE, _LIFT_RANGE = 0.035, 0.045
_PLACE_MIN_Z = 0.1
_STACK_XY_TOLERANCE, _STACK_Z_TOLERANCE = 0.03, 0.01
_LEAVE_HEIGHT = 0.10
_STAGE_THRESHOLD = 0.01
_SUCCESS_XY, _SUCCESS_ABOVE = 0.05, 0.02

# RewardState fields holding a [..., 3] position; every other field is a [...] scalar.
_POSITION_FIELDS = frozenset({"pinch_pos", "red_pos", "blue_pos", "green_pos"})


class RewardState(NamedTuple):
    """Physics state the rewards read; world frame, metres; leading batch dims allowed.

    Vector layout (`to_vector`, STATE_SIZE = 19 float32 slots):
    [0:3] pinch_pos, [3:6] red_pos, [6:9] blue_pos, [9:12] green_pos,
    [12] red_half_height, [13] blue_half_height, [14] gripper_angle, [15] grasp,
    [16] red_touches_blue, [17] red_touches_ground, [18] red_touches_robot.
    """

    pinch_pos: np.ndarray  # [..., 3] gripper TCP (pinch site)
    red_pos: np.ndarray  # [..., 3] object centres
    blue_pos: np.ndarray  # [..., 3]
    green_pos: np.ndarray  # [..., 3]
    red_half_height: np.ndarray  # [...] half-height along world z, current orientation
    blue_half_height: np.ndarray  # [...]
    gripper_angle: np.ndarray  # [...] finger reading 0 (open) .. 255 (closed)
    grasp: np.ndarray  # [...] 1 none, 2 inward grasp, 3 outward
    red_touches_blue: np.ndarray  # [...] 0/1
    red_touches_ground: np.ndarray  # [...] 0/1 (floor or basket)
    red_touches_robot: np.ndarray  # [...] 0/1

    def to_vector(self) -> np.ndarray:
        """[..., STATE_SIZE] float32, fields broadcast against each other's batch dims."""
        columns = []
        for name, value in zip(self._fields, self):
            value = np.asarray(value, dtype=np.float32)
            if name not in _POSITION_FIELDS:
                value = value[..., None]
            elif value.shape[-1:] != (3,):
                raise ValueError(f"RewardState.{name} must have shape [..., 3], got {value.shape}")
            columns.append(value)
        batch_shape = np.broadcast_shapes(*(c.shape[:-1] for c in columns))
        return np.concatenate(
            [c if c.shape[:-1] == batch_shape else np.broadcast_to(c, batch_shape + c.shape[-1:]) for c in columns],
            axis=-1,
        )

    @classmethod
    def from_vector(cls, vector: np.ndarray) -> "RewardState":
        """Inverse of `to_vector`: [..., STATE_SIZE] -> RewardState with the same batch dims."""
        vector = np.asarray(vector)
        if vector.shape[-1:] != (STATE_SIZE,):
            raise ValueError(f"reward state vector must have shape [..., {STATE_SIZE}], got {vector.shape}")
        fields, start = [], 0
        for name in cls._fields:
            if name in _POSITION_FIELDS:
                fields.append(vector[..., start : start + 3])
                start += 3
            else:
                fields.append(vector[..., start])
                start += 1
        return cls(*fields)


STATE_SIZE = sum(3 if name in _POSITION_FIELDS else 1 for name in RewardState._fields)  # 19


def compute_rewards(state: RewardState) -> Dict[str, np.ndarray]:
    """All rewards of `state`: the six TASK_NAMES, 'composite' and 'sparse_success'.

    Returns:
        {name: [...] float32 in [0, 1]}, views into one [..., len(REWARD_NAMES)] array.
    """
    pinch = np.asarray(state.pinch_pos, dtype=np.float64)  # [..., 3]
    red = np.asarray(state.red_pos, dtype=np.float64)  # [..., 3]
    blue = np.asarray(state.blue_pos, dtype=np.float64)  # [..., 3]
    fingers = np.asarray(state.gripper_angle, dtype=np.float64)  # [...]
    red_half_height = np.asarray(state.red_half_height, dtype=np.float64)  # [...]
    stack_height = red_half_height + state.blue_half_height  # [...]
    grasped = np.asarray(state.grasp) == INWARD_GRASP  # [...]
    to_stack_pose = blue + stack_height[..., None] * _UP - red  # [..., 3] b + (0, 0, h) - r
    batch_shape = np.broadcast(to_stack_pose[..., 0], pinch[..., 0], fingers, grasped).shape
    offsets = np.zeros(batch_shape + (len(_SHAPED_TERMS), 3))  # [..., 4, 3]
    offsets[..., 0, :] = red - pinch
    offsets[..., 1, 0] = FINGERS_CLOSED - fingers
    offsets[..., 2, :] = to_stack_pose
    offsets[..., 3, :] = red + _LEAVE_HEIGHT * _UP - pinch
    shaped = distance_reward(offsets, _SHAPING_TOLERANCE, _SHAPING_MARGIN)  # [..., 4]
    reach, close_fingers, place_shaped, above_red = (shaped[..., i] for i in range(len(_SHAPED_TERMS)))

    out = np.empty(batch_shape + (len(REWARD_NAMES),), dtype=np.float32)  # [..., 8]
    rewards = {name: out[..., i] for i, name in enumerate(REWARD_NAMES)}
    rewards["open"][...] = 1.0 - np.clip(fingers, 0.0, FINGERS_CLOSED) / FINGERS_CLOSED

    grasp = np.maximum(0.5 * close_fingers, grasped)  # [...]
    rewards["reach_grasp"][...] = np.where(reach > _REACH_GRASP_THRESHOLD, reach * (0.5 + 0.5 * grasp), 0.5 * reach)

    clearance = red[..., 2] - red_half_height - BASKET_FLOOR_Z  # [...] red's bottom above the floor
    height = np.clip((clearance - _LIFT_START_CLEARANCE) / _LIFT_RANGE, 0.0, 1.0)
    rewards["lift"][...] = grasp * height * within_tolerance(red - WORKSPACE_CENTER, WORKSPACE_HALF_EXTENTS)

    rewards["place"][...] = np.where(red[..., 2] < _PLACE_MIN_Z, 0.0, place_shaped)
    stack = (
        (np.hypot(to_stack_pose[..., 0], to_stack_pose[..., 1]) <= _STACK_XY_TOLERANCE)
        & (np.abs(to_stack_pose[..., 2]) <= _STACK_Z_TOLERANCE)
        & ~grasped
    )
    rewards["stack"][...] = stack
    rewards["stack_leave"][...] = stack * above_red
    rewards["composite"][...] = staged_reward(out[..., _STAGE_SLICE])
    rewards["sparse_success"][...] = _sparse_success(state, red, blue)
    return rewards


def staged_reward(stages: np.ndarray, threshold: float = _STAGE_THRESHOLD) -> np.ndarray:
    """Reference staged composite of [..., N] stage rewards (clipped to [0, 1]) -> [...].

    Scanning from the last stage, the first stage i (0-based) whose reward exceeds
    `threshold` gives (i + r_i) / N; if none does, stage 0 gives r_0 / N. Since
    i + r_i grows with i over the stages above the threshold, this is the maximum
    of i + r_i over those stages and stage 0.
    """
    stages = np.clip(stages, 0.0, 1.0)  # [..., N]
    index = np.arange(stages.shape[-1])  # [N]
    counts = (stages > threshold) | (index == 0)  # [..., N]
    return np.where(counts, index + stages, 0.0).max(axis=-1) / stages.shape[-1]


def _sparse_success(state: RewardState, red: np.ndarray, blue: np.ndarray) -> np.ndarray:
    """Reference sparse stacking success: red resting on blue, free of ground and robot."""
    return (
        (np.hypot(red[..., 0] - blue[..., 0], red[..., 1] - blue[..., 1]) < _SUCCESS_XY)
        & (red[..., 2] - blue[..., 2] > _SUCCESS_ABOVE)
        & (np.asarray(state.red_touches_blue) > 0.5)
        & (np.asarray(state.red_touches_ground) <= 0.5)
        & (np.asarray(state.red_touches_robot) <= 0.5)
    )


def _check_names(task_names: Sequence[str]) -> Tuple[str, ...]:
    if isinstance(task_names, str):
        raise ValueError(f"task_names must be a sequence of names, got the string {task_names!r}")
    unknown = [name for name in task_names if name not in REWARD_NAMES]
    if unknown:
        raise ValueError(f"unknown task name(s) {unknown}; valid names: {list(REWARD_NAMES)}")
    return tuple(task_names)


def reward_vector(state: RewardState, task_names: Sequence[str] = TASK_NAMES) -> np.ndarray:
    """Rewards of `task_names` (any of REWARD_NAMES) stacked last: [..., len(task_names)] float32."""
    task_names = _check_names(task_names)
    rewards = compute_rewards(state)
    return np.stack([rewards[name] for name in task_names], axis=-1)


def rewards_from_observation(
    observation: Mapping[str, np.ndarray], task_names: Sequence[str] = TASK_NAMES
) -> np.ndarray:
    """Relabels stored observations: observation[REWARD_STATE_KEY] [..., STATE_SIZE] -> [..., len(task_names)]."""
    task_names = _check_names(task_names)
    if REWARD_STATE_KEY not in observation:
        raise ValueError(f"observation has no {REWARD_STATE_KEY!r} entry; it has {sorted(observation)}")
    return reward_vector(RewardState.from_vector(observation[REWARD_STATE_KEY]), task_names)
