"""Data types shared by actors, adders, datasets and learners.

Conventions (every module follows them):
- Observations are flat dicts `{name: array}` using the benchmark's names
  (e.g. 'sawyer/tcp/pose', 'basket_front_left/pixels').
- Rewards are vectors, one entry per task, in the order of the task names the
  run was configured with (see `TaskNames`); a single-task run has shape [1].
- `Transition.discount` is the full bootstrap multiplier, so the n-step
  target of task k is `reward[k] + discount * V_k(next_observation)`:
  discount = gamma^n * prod(env discounts) and is 0 after a true terminal, while
  a time-limit truncation keeps discount > 0.
"""

from typing import Any, Mapping, NamedTuple, Sequence

import numpy as np

Observation = Mapping[str, np.ndarray]
Params = Any  # A pytree of parameters.
PRNGKey = Any  # jax.Array of shape [2] (uint32).
TaskNames = Sequence[str]
# Transition.extras key: 1.0 for a step of a scripted (demonstration) episode, else 0.0 [].
DEMONSTRATION = "demonstration"


class Transition(NamedTuple):
    """An n-step multi-task transition (n = 1 for a plain transition)."""

    observation: Observation  # {name: [...]}
    action: np.ndarray  # [A]
    reward: np.ndarray  # [T] n-step discounted reward sum per task
    discount: np.ndarray  # [] bootstrap multiplier gamma^n * prod(d)
    next_observation: Observation  # {name: [...]}
    extras: Mapping[str, Any] = {}
