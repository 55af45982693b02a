"""The benchmark's scripted stacking policy as a (noisy) actor, to seed online replay with successes."""

from typing import Callable

import dm_env
import numpy as np

from chef import core, types
from rgb_stacking_env.scripted_policy import ScriptedStackingPolicy


class ScriptedStackingActor(core.Actor):
    """Acts with `ScriptedStackingPolicy` plus N(0, action_noise^2) in canonical [-1, 1] actions.

    to_canonical: environment units -> [-1, 1] (e.g. `chef.wrappers.CanonicalActions.to_canonical`).
    The policy restarts on `observe_first` (the start of each episode); `set_task` is accepted
    and ignored, so a scheduler can drive it like a learned multi-task actor.
    """

    def __init__(self, to_canonical: Callable[[np.ndarray], np.ndarray], action_noise: float, seed: int = 0):
        if action_noise < 0:
            raise ValueError(f"action_noise must be >= 0, got {action_noise}")
        self._policy = ScriptedStackingPolicy()
        self._to_canonical = to_canonical
        self._action_noise = action_noise
        self._rng = np.random.default_rng(seed)

    def set_task(self, task: int) -> None:
        del task

    def select_action(self, observation: types.Observation) -> np.ndarray:
        action = self._to_canonical(self._policy(observation))  # [A]
        noisy = action + self._action_noise * self._rng.standard_normal(action.shape)
        return np.clip(noisy, -1.0, 1.0).astype(np.float32)

    def observe_first(self, timestep: dm_env.TimeStep) -> None:
        del timestep
        self._policy.reset()

    def observe(self, action: np.ndarray, next_timestep: dm_env.TimeStep) -> None:
        del action, next_timestep

    def update(self, wait: bool = False) -> None:
        del wait
