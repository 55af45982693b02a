"""A gymnasium view of the environment, registered as gymnasium ids.

Observations are `spaces.Dict` of the dm_env observation spec; the reward is a
scalar chosen by `reward_name` (any of REWARD_NAMES, default 'stack_leave');
`info['rewards']` carries every reward of the step. dm_env's time-limit
truncation maps to `truncated=True`, a force termination to `terminated=True`.

    import gymnasium, rgb_stacking_env
    env = gymnasium.make("RgbStacking-v0", object_set="test_random", reward_name="lift")
"""

from __future__ import annotations

import dataclasses
from typing import Any, Optional

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from rgb_stacking_env.environment import EnvConfig, RgbStackingEnv
from rgb_stacking_env.rewards import REWARD_NAMES

# gymnasium id -> EnvConfig fields it fixes (any EnvConfig field may be passed to gymnasium.make).
GYM_IDS = {
    "RgbStacking-v0": {"observation_set": "state"},
    "RgbStackingVision-v0": {"observation_set": "vision"},
}


def _space(spec) -> spaces.Box:
    if np.issubdtype(spec.dtype, np.integer):
        info = np.iinfo(spec.dtype)
        return spaces.Box(info.min, info.max, spec.shape, spec.dtype)
    return spaces.Box(-np.inf, np.inf, spec.shape, spec.dtype)


class GymRgbStacking(gym.Env):
    """`gymnasium.Env` wrapper around `RgbStackingEnv`: an EnvConfig, with any of its fields
    replaced by keywords (gymnasium.make passes the registered id's fields this way)."""

    metadata = {"render_modes": []}

    def __init__(self, config: Optional[EnvConfig] = None, reward_name: str = "stack_leave", **config_fields: Any):
        if reward_name not in REWARD_NAMES:
            raise ValueError(f"Unknown reward {reward_name!r}; valid rewards: {list(REWARD_NAMES)}")
        config = dataclasses.replace(config, **config_fields) if config else EnvConfig(**config_fields)
        self.env = RgbStackingEnv(config)
        self.reward_name = reward_name
        action = self.env.action_spec()
        self.action_space = spaces.Box(action.minimum, action.maximum, action.shape, action.dtype)
        self.observation_space = spaces.Dict({name: _space(spec) for name, spec in self.env.observation_spec().items()})

    def reset(
        self, *, seed: Optional[int] = None, options: Optional[dict[str, Any]] = None
    ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        del options
        super().reset(seed=seed)
        timestep = self.env.reset(seed=seed)  # A seed re-seeds: the same seed, the same initial state.
        return timestep.observation, {"rewards": dict(self.env.last_rewards)}

    def step(self, action: np.ndarray) -> tuple[dict[str, np.ndarray], float, bool, bool, dict[str, Any]]:
        timestep = self.env.step(action)
        terminated = bool(timestep.last() and timestep.discount == 0.0)
        truncated = bool(timestep.last() and not terminated)
        reward = float(self.env.last_rewards[self.reward_name])
        return timestep.observation, reward, terminated, truncated, {"rewards": dict(self.env.last_rewards)}

    def close(self) -> None:
        self.env.close()


def register() -> None:
    """Registers GYM_IDS with gymnasium (the environment truncates its own episodes)."""
    for env_id, fields in GYM_IDS.items():
        if env_id not in gym.registry:
            gym.register(env_id, entry_point=GymRgbStacking, kwargs=dict(fields), disable_env_checker=True)
