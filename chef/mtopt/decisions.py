"""Coarse decisions: one agent step = `period` control steps of the environment.

MT-Opt's robots decide a few times a second over short episodes; the RGB
environment is controlled at 20 Hz. With a sparse reward on the last
transition and discount gamma per agent step, a 150-step segment leaves
gamma**150 of the success signal at its start (5e-4 at gamma 0.95), too little
for QT-Opt to propagate. `ActionRepeat` makes every agent step hold its action
for `period` control steps, so a 150-control-step segment is 150 / period
decisions. Collection, the RLDS episodes (one step per decision), the QT-Opt
transitions built from them and evaluation all see the same decision steps.
"""
import math

import dm_env
import numpy as np


def num_decisions(control_steps: int, period: int) -> int:
    """Agent steps that cover `control_steps` control steps (the last may be cut short)."""
    if control_steps < 1 or period < 1:
        raise ValueError(f"control_steps and period must be >= 1, got {control_steps}, {period}")
    return math.ceil(control_steps / period)


class ActionRepeat(dm_env.Environment):
    """Repeats each action `period` times (stopping at an episode end); returns the last timestep.

    The reward and discount are those of the last control step; MT-Opt's labels come from the
    final state, not from per-step rewards. Other attributes (e.g. `simulation`) are the
    wrapped environment's.
    """

    def __init__(self, env: dm_env.Environment, period: int):
        if period < 1:
            raise ValueError(f"decision period must be >= 1 control step, got {period}")
        self._env, self.period = env, int(period)

    def reset(self) -> dm_env.TimeStep:
        return self._env.reset()

    def step(self, action: np.ndarray) -> dm_env.TimeStep:
        timestep = self._env.step(action)
        for _ in range(self.period - 1):
            if timestep.last():
                break
            timestep = self._env.step(action)
        return timestep

    def observation_spec(self):
        return self._env.observation_spec()

    def action_spec(self):
        return self._env.action_spec()

    def reward_spec(self):
        return self._env.reward_spec()

    def discount_spec(self):
        return self._env.discount_spec()

    def close(self) -> None:
        self._env.close()

    def __getattr__(self, name: str):
        if name.startswith("__") or name in ("_env", "period"):
            raise AttributeError(name)
        return getattr(self._env, name)


def with_decision_period(env: dm_env.Environment, period: int) -> dm_env.Environment:
    """`env` itself for period 1, else an `ActionRepeat` of it."""
    return env if period == 1 else ActionRepeat(env, period)
