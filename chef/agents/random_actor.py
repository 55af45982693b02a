"""A uniformly random actor: the baseline learning curves are compared against."""

import dm_env
import numpy as np

from chef import core, types


class UniformRandomActor(core.Actor):
    """Actions uniform in the canonical box [-1, 1]^action_dim; `set_task` is ignored."""

    def __init__(self, action_dim: int, seed: int = 0):
        self._action_dim = action_dim
        self._rng = np.random.default_rng(seed)

    def set_task(self, task: int) -> None:
        del task

    def select_action(self, observation: types.Observation) -> np.ndarray:
        del observation
        return self._rng.uniform(-1.0, 1.0, self._action_dim).astype(np.float32)

    def observe_first(self, timestep: dm_env.TimeStep) -> None:
        del timestep

    def observe(self, action: np.ndarray, next_timestep: dm_env.TimeStep) -> None:
        del action, next_timestep

    def update(self, wait: bool = False) -> None:
        del wait
