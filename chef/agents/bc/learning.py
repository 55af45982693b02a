"""Behaviour cloning on the multi-task policy network: maximise the likelihood
of the dataset's actions under every trained task head (vectorised over heads)."""

from typing import Callable, Iterator, NamedTuple, Sequence

import jax
import jax.numpy as jnp
import optax

from chef import core, types
from chef.agents import normal, optimisers
from chef.agents.bc.config import BCConfig
from chef.networks.multitask import PolicyNetwork


class BCState(NamedTuple):
    params: types.Params
    opt_state: optax.OptState
    steps: jax.Array  # [] int32


def log_likelihood(mean: jax.Array, stddev: jax.Array, action: jax.Array) -> jax.Array:
    """log N(action | mean_t, stddev_t) of the dataset action under every head. [B, T, A], [B, A] -> [B, T]"""
    return normal.log_prob(action[:, None, :], mean, stddev).sum(-1)


def negative_log_likelihood(mean: jax.Array, stddev: jax.Array, action: jax.Array) -> jax.Array:
    """-log N(action | mean_t, stddev_t) per head, batch mean. [B, T, A], [B, A] -> [T]"""
    return -log_likelihood(mean, stddev, action).mean(axis=0)


def make_bc_update_step(
    policy: PolicyNetwork, config: BCConfig
) -> Callable[[BCState, types.Transition], tuple[BCState, dict[str, jax.Array]]]:
    """Jitted `update_step(state, batch) -> (state, {'nll': [T], 'mse': [T]})`."""
    optimiser = optimisers.clipped_adam(config.learning_rate, config.max_grad_norm)

    def loss_fn(params, batch):
        mean, stddev = policy.apply(params, batch.observation)  # [B, T, A]
        nll = negative_log_likelihood(mean, stddev, batch.action)
        mse = jnp.square(mean - batch.action[:, None, :]).sum(-1).mean(0)  # [T]
        return nll.sum(), {"nll": nll, "mse": mse}

    def update_step(state: BCState, batch: types.Transition):
        grads, metrics = jax.grad(loss_fn, has_aux=True)(state.params, batch)
        updates, opt_state = optimiser.update(grads, state.opt_state)
        return BCState(optax.apply_updates(state.params, updates), opt_state, state.steps + 1), metrics

    return jax.jit(update_step)


def init_bc_state(
    policy: PolicyNetwork, config: BCConfig, observation: types.Observation, key: types.PRNGKey
) -> BCState:
    params = policy.init(key, observation)
    optimiser = optimisers.clipped_adam(config.learning_rate, config.max_grad_norm)
    return BCState(params, optimiser.init(params), jnp.zeros((), jnp.int32))


class BCLearner(core.StateLearner):
    """(Filtered) behaviour cloning; `policy` must have one head per trained task. The parameters are
    initialised from `example` (observations [B, ...]); `iterator` is first read by `step`."""

    def __init__(
        self,
        policy: PolicyNetwork,
        config: BCConfig,
        task_names: Sequence[str],
        example: types.Observation,
        iterator: Iterator[types.Transition],
        rng: types.PRNGKey,
    ):
        self.task_names = config.task_names(task_names)
        if policy.num_tasks != len(self.task_names):
            raise ValueError(
                f"policy has {policy.num_tasks} heads but {len(self.task_names)} tasks are trained: {self.task_names}"
            )
        self._keys = tuple(config.network.observation_keys)
        self._iterator = iterator
        self._update_step = make_bc_update_step(policy, config)
        self._state = init_bc_state(policy, config, {k: example[k] for k in self._keys}, rng)

    def _select(self, batch: types.Transition) -> types.Transition:
        observation = {k: batch.observation[k] for k in self._keys}
        return types.Transition(observation, batch.action, (), (), {})

    def step(self) -> dict[str, float]:
        self._state, metrics = self._update_step(self._state, self._select(next(self._iterator)))
        metrics = jax.device_get(metrics)
        out = {
            f"{name}/{task}": float(v) for name, values in metrics.items() for task, v in zip(self.task_names, values)
        }
        return dict(out, steps=int(self._state.steps))

    def _variables(self) -> dict[str, types.Params]:
        return {"policy": self._state.params}
