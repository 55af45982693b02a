"""Multi-task QT-Opt learner (MT-Opt) in JAX.

Batches are `chef.types.Transition`s for one task per example: the task the
episode was impersonated as. Shapes:
  observation / next_observation  {name: [B, ...]}
  action    [B, A]
  reward    [B]  the reward of task extras['task_id'] (0/1 success at the end)
  discount  [B]  gamma^n, 0 after a terminal
  extras['task_id']  [B] int32
`select_task_reward` turns multi-task rewards [B, T] into this layout.
"""

import time
from typing import Any, Callable, Iterator, Mapping, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from absl import logging

from chef import core, types
from chef.agents import optimisers
from chef.agents.qtopt import cem, losses, networks
from chef.agents.qtopt.config import QtOptConfig
from chef.utils.metrics import MetricsWriter

TASK_ID = "task_id"


class TrainingState(NamedTuple):
    params: types.Params
    target_params: types.Params  # Polyak average of params.
    lagged_target_params: types.Params  # Periodic copy of target_params.
    opt_state: optax.OptState
    steps: jax.Array  # [] int32
    key: types.PRNGKey


UpdateFn = Callable[[TrainingState, types.Transition], tuple[TrainingState, dict[str, jax.Array]]]


def select_task_reward(transition: types.Transition, task_id: np.ndarray) -> types.Transition:
    """Multi-task reward [B, T] -> the reward of `task_id` [B], stored in extras['task_id']."""
    reward = np.take_along_axis(np.asarray(transition.reward), np.asarray(task_id)[:, None], axis=1)[:, 0]
    extras = {**transition.extras, TASK_ID: np.asarray(task_id, np.int32)}
    return transition._replace(reward=reward, extras=extras)


def make_update_fn(
    network: networks.QNetwork,
    optimizer: optax.GradientTransformation,
    config: QtOptConfig,
    action_min: np.ndarray,
    action_max: np.ndarray,
) -> UpdateFn:
    """Returns the jitted update (TrainingState, Transition) -> (TrainingState, metrics)."""

    def penalised_actions(params, observation, task_id, key) -> jax.Array:
        """The actions [B, N, A] where the conservative penalty lowers Q (config.conservative_actions)."""
        batch_size = task_id.shape[0]
        if config.conservative_weight == 0:
            return jnp.zeros((batch_size, 0) + action_min.shape)
        if config.conservative_actions == "cem":
            greedy, _ = cem.cem_maximize(
                lambda a: networks.q_values(network, params, observation, a, task_id),
                key,
                batch_size,
                action_min,
                action_max,
                config.cem,
            )
            return jax.lax.stop_gradient(greedy)[:, None]  # [B, 1, A]
        uniform = jax.random.uniform(
            key, (batch_size, config.conservative_samples) + action_min.shape, minval=action_min, maxval=action_max
        )
        return cem.snap_binary(uniform, action_min, action_max, config.cem.binary_dims)

    def update(state: TrainingState, batch: types.Transition) -> tuple[TrainingState, dict[str, jax.Array]]:
        key, cem_key, sample_key = jax.random.split(state.key, 3)
        task_id = batch.extras[TASK_ID]  # [B]
        batch_size = task_id.shape[0]

        def target_q(params, actions):  # [B, N, A] -> [B, N]
            return networks.q_values(network, params, batch.next_observation, actions, task_id)

        next_action, next_q1 = cem.cem_maximize(
            lambda a: target_q(state.target_params, a), cem_key, batch_size, action_min, action_max, config.cem
        )
        next_q2 = target_q(state.lagged_target_params, next_action[:, None])[:, 0]  # [B]
        target = losses.clipped_double_q_target(batch.reward, batch.discount, next_q1, next_q2)  # [B]

        penalised = penalised_actions(state.params, batch.observation, task_id, sample_key)  # [B, N, A]

        def loss_fn(params):
            logits = network.apply(params, batch.observation, batch.action, task_id)  # [B]
            bellman = jnp.mean(losses.qtopt_loss(logits, target))
            penalty = jnp.zeros(())
            if config.conservative_weight > 0:
                sampled_logits = network.apply(params, batch.observation, penalised, task_id)  # [B, N]
                penalty = jnp.mean(losses.conservative_penalty(jax.nn.sigmoid(logits), jax.nn.sigmoid(sampled_logits)))
            return bellman + config.conservative_weight * penalty, (jax.nn.sigmoid(logits), bellman, penalty)

        (loss, (q, bellman, penalty)), grads = jax.value_and_grad(loss_fn, has_aux=True)(state.params)
        updates, opt_state = optimizer.update(grads, state.opt_state, state.params)
        params = optax.apply_updates(state.params, updates)
        steps = state.steps + 1
        target_params = optax.incremental_update(params, state.target_params, config.target_tau)
        lagged = optax.periodic_update(target_params, state.lagged_target_params, steps, config.lagged_target_period)
        metrics = {
            "loss": loss,
            "bellman_loss": bellman,
            "conservative_penalty": penalty,
            "q_mean": q.mean(),
            "target_mean": target.mean(),
            "next_q_gap": jnp.mean(next_q1 - next_q2),
            "grad_norm": optax.global_norm(grads),
        }
        return TrainingState(params, target_params, lagged, opt_state, steps, key), metrics

    return jax.jit(update)


class QtOptLearner(core.StateLearner):
    """Implements chef.core.StateLearner; variables: 'q_network' (online), 'target_q_network'.

    Parameters are initialised from `example_observation` ({name: [...]}, unbatched); `iterator`
    is read only by `step`."""

    def __init__(
        self,
        network: networks.QNetwork,
        config: QtOptConfig,
        iterator: Iterator[types.Transition],
        example_observation: Mapping[str, np.ndarray],
        action_min: np.ndarray,
        action_max: np.ndarray,
        key: types.PRNGKey,
        metrics: MetricsWriter | None = None,
        log_every: int = 100,
    ):
        self._config = config
        self._iterator = iterator
        self._metrics = metrics
        self._log_every = log_every
        action_min, action_max = np.asarray(action_min, np.float32), np.asarray(action_max, np.float32)
        if action_min.shape != action_max.shape or np.any(action_min >= action_max):
            raise ValueError(f"action bounds must share a shape and satisfy min < max, got {action_min}, {action_max}")
        self.network = network
        self._optimizer = optimisers.clipped_adam(config.learning_rate, config.max_grad_norm)
        init_key, key = jax.random.split(key)
        observation = {k: np.asarray(example_observation[k])[None] for k in config.observation_keys}
        params = self.network.init(init_key, observation, action_min[None], np.zeros((1,), np.int32))
        self._state = TrainingState(params, params, params, self._optimizer.init(params), jnp.zeros((), jnp.int32), key)
        self._steps = 0  # Host-side copy of state.steps (no device sync per step).
        self._update = make_update_fn(self.network, self._optimizer, config, action_min, action_max)

    def step(self) -> dict[str, Any]:
        batch = next(self._iterator)
        if TASK_ID not in batch.extras:
            raise ValueError(
                f"QT-Opt batches need extras[{TASK_ID!r}] (the task per example); "
                f"got extras {sorted(batch.extras)}. See select_task_reward."
            )
        start = time.time()
        self._state, metrics = self._update(self._state, batch)
        self._steps += 1
        if self._metrics is not None and self._steps % self._log_every == 0:
            values = {k: float(v) for k, v in jax.device_get(metrics).items()}
            self._metrics.write(self._steps, {**values, "step_seconds": time.time() - start})
            logging.info("qtopt step %d: %s", self._steps, values)
        return metrics

    def _variables(self) -> dict[str, types.Params]:
        return {"q_network": self._state.params, "target_q_network": self._state.target_params}

    def restore(self, state: TrainingState) -> None:
        super().restore(state)
        self._steps = int(state.steps)
