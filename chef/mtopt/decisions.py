"""Coarse decisions: one agent step = `period` control steps of the environment.

MT-Opt's robots decide a few times a second over short episodes; the RGB
environment is controlled at 20 Hz. With a sparse reward on the last
transition and discount gamma per agent step, a 150-step segment leaves
gamma**150 of the success signal at its start (5e-4 at gamma 0.95), too little
for QT-Opt to propagate. `chef.wrappers.ActionRepeat` makes every agent step hold its action
for `period` control steps, so a 150-control-step segment is 150 / period
decisions. Collection, the RLDS episodes (one step per decision), the QT-Opt
transitions built from them and evaluation all see the same decision steps.
"""

import math

import dm_env

from chef.wrappers import ActionRepeat


def num_decisions(control_steps: int, period: int) -> int:
    """Agent steps that cover `control_steps` control steps (the last may be cut short)."""
    if control_steps < 1 or period < 1:
        raise ValueError(f"control_steps and period must be >= 1, got {control_steps}, {period}")
    return math.ceil(control_steps / period)


def with_decision_period(env: dm_env.Environment, period: int) -> dm_env.Environment:
    """`env` itself for period 1, else an `ActionRepeat` of it."""
    return env if period == 1 else ActionRepeat(env, period)
