"""QT-Opt actor: CEM-greedy actions for one task, with epsilon-uniform exploration."""

from typing import Any, Protocol

import dm_env
import jax
import numpy as np

from chef import core, types
from chef.agents.qtopt import cem, networks
from chef.agents.qtopt.config import CemConfig


class Adder(Protocol):
    def add_first(self, timestep: dm_env.TimeStep) -> None: ...

    def add(self, action: np.ndarray, next_timestep: dm_env.TimeStep) -> None: ...


class QtOptActor(core.AdderActor):
    """Acts for task `task_id` (settable between episodes).

    With probability `epsilon` the action is uniform in the action box (the
    CEM's binary dimensions at their bounds), otherwise it is the CEM maximiser
    of Q(s, ., task) under the latest 'q_network' parameters of `variable_source`.
    """

    def __init__(
        self,
        network: networks.QNetwork,
        variable_source: core.VariableSource,
        action_min: np.ndarray,
        action_max: np.ndarray,
        cem_config: CemConfig,
        task_id: int,
        epsilon: float,
        seed: int,
        adder: Adder | None = None,
        variable_name: str = "q_network",
    ):
        if not 0.0 <= epsilon <= 1.0:
            raise ValueError(f"epsilon must lie in [0, 1], got {epsilon}")
        self._variable_source = variable_source
        self._variable_name = variable_name
        self._action_min = np.asarray(action_min, np.float32)
        self._action_max = np.asarray(action_max, np.float32)
        self._epsilon = epsilon
        self._binary_dims = cem_config.binary_dims
        self._rng = np.random.default_rng(seed)
        self._key = jax.random.PRNGKey(seed)
        self._adder = adder
        self.task_id = task_id
        self._params: Any = None

        def greedy(params, key, observation, task_id):  # observation {name: [1, ...]}
            def score(actions):  # [1, N, A] -> [1, N]
                return networks.q_values(network, params, observation, actions, task_id)

            action, _ = cem.cem_maximize(score, key, 1, self._action_min, self._action_max, cem_config)
            return action[0]  # [A]

        self._greedy = jax.jit(greedy)
        self.update()

    def select_action(self, observation: types.Observation) -> np.ndarray:
        if self._rng.random() < self._epsilon:
            action = self._rng.uniform(self._action_min, self._action_max)
            return np.asarray(
                cem.snap_binary(action, self._action_min, self._action_max, self._binary_dims), np.float32
            )
        self._key, key = jax.random.split(self._key)
        batched = {k: np.asarray(v)[None] for k, v in observation.items()}
        return np.asarray(self._greedy(self._params, key, batched, np.asarray([self.task_id], np.int32)))

    def update(self, wait: bool = False) -> None:
        self._params = self._variable_source.get_variables([self._variable_name])[0]
