"""A jitted actor for one task head of a multi-task Gaussian policy.

The head can be switched at any time (`set_task`), e.g. by a SAC-X scheduler
mid-episode; the task index is a traced argument, so switching never recompiles.
"""

from typing import Any, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from chef import core, types
from chef.networks.multitask import PolicyNetwork


class MPOActor(core.AdderActor):
    """Samples from (collection) or takes the mean of (evaluation) the task's Gaussian,
    clipped to [action_minimum, action_maximum]. `adder` (optional) follows Acme's
    adder protocol: add_first(timestep), add(action, next_timestep)."""

    def __init__(
        self,
        policy: PolicyNetwork,
        variable_source: core.VariableSource,
        task: int,
        evaluation: bool,
        seed: int = 0,
        adder: Any = None,
        variable_name: str = "policy",
        action_minimum: float = -1.0,
        action_maximum: float = 1.0,
    ):
        self._keys = tuple(policy.config.observation_keys)
        self._num_tasks = policy.num_tasks
        self._variable_source = variable_source
        self._variable_name = variable_name
        self._adder = adder
        self._key = jax.random.PRNGKey(seed)
        self.set_task(task)

        def act(
            params: types.Params, key: types.PRNGKey, observation: types.Observation, task_index: jax.Array
        ) -> jax.Array:
            batched = jax.tree_util.tree_map(lambda x: jnp.asarray(x)[None], observation)
            mean, stddev = policy.apply(params, batched)  # [1, T, A]
            mean, stddev = mean[0, task_index], stddev[0, task_index]  # [A]
            action = mean if evaluation else mean + stddev * jax.random.normal(key, mean.shape)
            return jnp.clip(action, action_minimum, action_maximum)

        self._act = jax.jit(act)
        self._params = None
        self.update()

    @property
    def task(self) -> int:
        return self._task

    def set_task(self, task: int) -> None:
        """Selects the policy head that acts from the next action on."""
        if not 0 <= task < self._num_tasks:
            raise ValueError(f"task head {task} out of range; the policy has heads 0..{self._num_tasks - 1}")
        self._task = int(task)

    def select_action(self, observation: types.Observation) -> np.ndarray:
        self._key, key = jax.random.split(self._key)
        observation = {k: observation[k] for k in self._keys}
        return np.asarray(self._act(self._params, key, observation, np.int32(self._task)))

    def update(self, wait: bool = False) -> None:
        del wait  # Parameters are fetched synchronously.
        self._params = self._variable_source.get_variables([self._variable_name])[0]


class StaticVariableSource(core.VariableSource):
    """Serves fixed parameters (evaluation from a checkpoint, tests)."""

    def __init__(self, variables: dict[str, types.Params]):
        self._variables = dict(variables)

    def get_variables(self, names: Sequence[str]) -> list[types.Params]:
        return [self._variables[n] for n in names]
