"""Observation names, shapes, sets and frame stacking (reference layout).

Most entries are stacked over the last three control steps, NEWEST FIRST (as
dm-robotics, which stacks with `deque.appendleft`), `action/environment` over
two, camera images and privileged entries not at all; single-value entries
stack to shape (3,). After a reset every history holds copies of the first
frame; for `action/environment` that frame is the reset's last commands.
"""

from __future__ import annotations

import dataclasses
from typing import Mapping

import numpy as np
from dm_env import specs

from rgb_stacking_env.rewards import REWARD_STATE_KEY, STATE_SIZE
from rgb_stacking_env.scene import CAMERA_NAMES

STACK_DEPTH = 3
ACTION_STACK_DEPTH = 2
PRIVILEGED_PREFIX = "privileged/"
OBJECT_POSES_KEY = "privileged/object_poses"
ACTION_KEY = "action/environment"  # last joint velocity (7) + gripper (1) commands.


@dataclasses.dataclass(frozen=True)
class Entry:
    """One observation: per-step shape, how many steps are stacked (0: none), dtype."""

    step_shape: tuple[int, ...]
    depth: int = STACK_DEPTH
    dtype: type = np.float32

    @property
    def shape(self) -> tuple[int, ...]:
        if not self.depth:
            return self.step_shape
        return (self.depth,) + self.step_shape


PROPRIO: dict[str, Entry] = {
    "sawyer/joints/angle": Entry((7,)),
    "sawyer/joints/velocity": Entry((7,)),
    "sawyer/joints/torque": Entry((7,)),
    "sawyer/pinch/pose": Entry((7,)),
    "sawyer/tcp/pose": Entry((7,)),
    "sawyer/tcp/velocity": Entry((6,)),
    "gripper/joints/angle": Entry(()),
    "gripper/joints/velocity": Entry(()),
    "gripper/grasp": Entry((), dtype=np.uint8),
    ACTION_KEY: Entry((8,), depth=ACTION_STACK_DEPTH),
}
HAPTICS: dict[str, Entry] = {
    "wrist/force": Entry((3,)),
    "wrist/torque": Entry((3,)),
}
OBJECT_POSES: dict[str, Entry] = {
    f"rgb30_{color}/{kind}": Entry((7,)) for color in ("red", "green", "blue") for kind in ("abs_pose", "to_pinch")
}
PRIVILEGED: dict[str, Entry] = {
    REWARD_STATE_KEY: Entry((STATE_SIZE,), depth=0),
    OBJECT_POSES_KEY: Entry((3, 7), depth=0),  # red, green, blue body poses (scripted policies).
}
OBSERVATION_SETS = ("state", "vision", "vision_no_haptics")


def camera_entries(size: int) -> dict[str, Entry]:
    return {f"{name}/pixels": Entry((size, size, 3), depth=0, dtype=np.uint8) for name in CAMERA_NAMES}


def validate_observation_set(observation_set: str) -> str:
    if observation_set not in OBSERVATION_SETS:
        raise ValueError(f"Unknown observation set {observation_set!r}; valid sets: {list(OBSERVATION_SETS)}")
    return observation_set


def entries(observation_set: str, camera_size: int = 64) -> dict[str, Entry]:
    """All entries of an observation set, privileged ones included."""
    validate_observation_set(observation_set)
    if observation_set == "state":
        agent = {**PROPRIO, **HAPTICS, **OBJECT_POSES}
    elif observation_set == "vision":
        agent = {**PROPRIO, **HAPTICS, **camera_entries(camera_size)}
    else:
        agent = {**PROPRIO, **camera_entries(camera_size)}
    return {**agent, **PRIVILEGED}


def observation_keys(observation_set: str) -> tuple[str, ...]:
    """Sorted agent-visible keys of an observation set (no 'privileged/' entries)."""
    return tuple(sorted(k for k in entries(observation_set) if not k.startswith(PRIVILEGED_PREFIX)))


def has_cameras(observation_set: str) -> bool:
    return validate_observation_set(observation_set) != "state"


def observation_spec(observation_set: str, camera_size: int = 64) -> dict[str, specs.Array]:
    return {
        name: specs.Array(entry.shape, entry.dtype, name=name)
        for name, entry in entries(observation_set, camera_size).items()
    }


class FrameStacker:
    """Keeps the stacked history of every entry in preallocated buffers."""

    def __init__(self, observation_entries: Mapping[str, Entry]):
        self._entries = dict(observation_entries)
        self._buffers = {name: np.zeros(entry.shape, entry.dtype) for name, entry in self._entries.items()}

    def reset(self, frame: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Fills every history with `frame`."""
        for name, buffer in self._buffers.items():
            buffer[...] = frame[name]
        return self.observation()

    def push(self, frame: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Puts one step's values (per-step shapes) first and returns the new observation."""
        for name, entry in self._entries.items():
            buffer = self._buffers[name]
            if entry.depth:
                buffer[1:] = buffer[:-1]  # numpy copies overlapping ranges safely
                buffer[0] = frame[name]
            else:
                buffer[...] = frame[name]
        return self.observation()

    def observation(self) -> dict[str, np.ndarray]:
        """A copy of the current observation."""
        return {name: buffer.copy() for name, buffer in self._buffers.items()}


def check_observation(observation: Mapping[str, np.ndarray], spec: Mapping[str, specs.Array]) -> None:
    """Raises ValueError when `observation` does not match `spec` (keys, shapes, dtypes)."""
    if set(observation) != set(spec):
        raise ValueError(f"observation keys {sorted(observation)} differ from spec keys {sorted(spec)}")
    for name, array_spec in spec.items():
        array_spec.validate(observation[name])
