"""dm_env wrappers shared by the agents (Acme's wrappers, written for this stack)."""

from typing import Any

import dm_env
import numpy as np
from dm_env import specs


def reset(environment: dm_env.Environment, seed: int | None = None) -> dm_env.TimeStep:
    """`environment.reset(seed=seed)`, or plain `reset()` when `seed` is None (for environments
    whose reset takes no seed)."""
    return environment.reset() if seed is None else environment.reset(seed=seed)


class EnvironmentWrapper(dm_env.Environment):
    """Forwards everything to `environment`; subclasses override what they change. Attributes of
    the wrapped environment (e.g. `simulation`) stay reachable."""

    def __init__(self, environment: dm_env.Environment):
        self._environment = environment

    def reset(self, *, seed: int | None = None) -> dm_env.TimeStep:
        """`seed` (the episode's seed, see rgb_stacking_env's reset) goes to the wrapped environment."""
        return reset(self._environment, seed)

    def step(self, action: np.ndarray) -> dm_env.TimeStep:
        return self._environment.step(action)

    def action_spec(self) -> Any:
        return self._environment.action_spec()

    def observation_spec(self) -> Any:
        return self._environment.observation_spec()

    def reward_spec(self) -> Any:
        return self._environment.reward_spec()

    def discount_spec(self) -> Any:
        return self._environment.discount_spec()

    def close(self) -> None:
        self._environment.close()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._environment, name)


def to_environment_units(action: np.ndarray, minimum: np.ndarray, maximum: np.ndarray) -> np.ndarray:
    """[-1, 1] -> the box [minimum, maximum] (clipped first). [..., A] with bounds [A]"""
    action = np.clip(np.asarray(action, np.float32), -1.0, 1.0)
    return (minimum + (action + 1.0) * 0.5 * (maximum - minimum)).astype(np.float32)


def to_canonical_units(action: np.ndarray, minimum: np.ndarray, maximum: np.ndarray) -> np.ndarray:
    """The box [minimum, maximum] -> [-1, 1] (clipped). [..., A] with bounds [A]"""
    scaled = 2.0 * (np.asarray(action, np.float32) - minimum) / (maximum - minimum) - 1.0
    return np.clip(scaled, -1.0, 1.0).astype(np.float32)


class CanonicalActions(EnvironmentWrapper):
    """Agents act in [-1, 1]^A; actions are rescaled affinely to the environment's bounds.

    Like Acme's CanonicalSpecWrapper: MPO's Gaussian policy (clipped to [-1, 1]) then covers the whole
    action box instead of saturating a bound such as the arm's 0.07 m/s velocity limit.
    """

    def __init__(self, environment: dm_env.Environment):
        super().__init__(environment)
        spec = environment.action_spec()
        self._minimum = np.broadcast_to(np.asarray(spec.minimum, np.float32), spec.shape)  # [A]
        self._maximum = np.broadcast_to(np.asarray(spec.maximum, np.float32), spec.shape)  # [A]
        if not np.all(np.isfinite(self._minimum) & np.isfinite(self._maximum) & (self._minimum < self._maximum)):
            raise ValueError(f"canonical actions need finite bounds with min < max, got {spec}")
        self._spec = specs.BoundedArray(spec.shape, np.float32, -1.0, 1.0, name=spec.name)

    def to_environment(self, action: np.ndarray) -> np.ndarray:
        """[-1, 1] -> environment units (clipped first). action: [A]"""
        return to_environment_units(action, self._minimum, self._maximum)

    def to_canonical(self, action: np.ndarray) -> np.ndarray:
        """Environment units -> [-1, 1] (e.g. for a scripted policy's actions). action: [A]"""
        return to_canonical_units(action, self._minimum, self._maximum)

    def step(self, action: np.ndarray) -> dm_env.TimeStep:
        return self._environment.step(self.to_environment(action))

    def action_spec(self) -> specs.BoundedArray:
        return self._spec


class ActionRepeat(EnvironmentWrapper):
    """Repeats each action `period` times (stopping at an episode end); returns the last timestep.

    The reward and discount are those of the last control step (MT-Opt's labels come from the
    final state, not from per-step rewards).
    """

    def __init__(self, environment: dm_env.Environment, period: int):
        if period < 1:
            raise ValueError(f"decision period must be >= 1 control step, got {period}")
        super().__init__(environment)
        self.period = int(period)

    def step(self, action: np.ndarray) -> dm_env.TimeStep:
        timestep = self._environment.step(action)
        for _ in range(self.period - 1):
            if timestep.last():
                break
            timestep = self._environment.step(action)
        return timestep
