"""Multi-task distributional MPO learner: one jitted update trains every task
head (critic and policy) at once, vectorised over the task axis."""

import functools
from typing import Any, Callable, Iterator, NamedTuple, Sequence

import jax
import jax.numpy as jnp
import numpy as np
import optax

from chef import core, types
from chef.agents import optimisers
from chef.agents.mpo import categorical, losses
from chef.agents.mpo.config import MPOConfig
from chef.networks.multitask import CriticNetwork, PolicyNetwork
from chef.task_layout import TaskLayout

Metrics = dict[str, jax.Array]
UpdateStep = Callable[["TrainingState", types.Transition], tuple["TrainingState", Metrics]]


class TrainingState(NamedTuple):
    policy_params: types.Params
    target_policy_params: types.Params
    critic_params: types.Params
    target_critic_params: types.Params
    dual_params: losses.DualParams
    policy_opt_state: optax.OptState
    critic_opt_state: optax.OptState
    dual_opt_state: optax.OptState
    steps: jax.Array  # [] int32
    key: types.PRNGKey


def _optimisers(config: MPOConfig) -> tuple[optax.GradientTransformation, ...]:
    return (
        optimisers.clipped_adam(config.policy_learning_rate, config.max_grad_norm),
        optimisers.clipped_adam(config.critic_learning_rate, config.max_grad_norm),
        optax.adam(config.dual_learning_rate),
    )


def dataset_actions(action: jax.Array, num_tasks: int) -> jax.Array:
    """The batch's action for every task head. [B, A] -> [B, T, A]"""
    return jnp.broadcast_to(action[:, None, :], (action.shape[0], num_tasks, action.shape[-1]))


def init_training_state(
    policy: PolicyNetwork,
    critic: CriticNetwork,
    config: MPOConfig,
    observation: types.Observation,
    action_dim: int,
    key: types.PRNGKey,
) -> TrainingState:
    """Fresh parameters, optimiser states and duals; `observation` is an example batch."""
    num_tasks = policy.num_tasks
    policy_key, critic_key, key = jax.random.split(key, 3)
    policy_params = policy.init(policy_key, observation)
    batch_size = jax.tree_util.tree_leaves(observation)[0].shape[0]
    critic_params = critic.init(critic_key, observation, jnp.zeros((batch_size, num_tasks, action_dim)))
    dual_shape = (num_tasks, action_dim) if config.per_dim_constraining else (num_tasks,)
    duals = losses.DualParams(
        log_temperature=jnp.full((num_tasks,), config.init_log_temperature, jnp.float32),
        log_alpha_mean=jnp.full(dual_shape, config.init_log_alpha_mean, jnp.float32),
        log_alpha_stddev=jnp.full(dual_shape, config.init_log_alpha_stddev, jnp.float32),
        log_penalty_temperature=jnp.full((num_tasks,), config.init_log_temperature, jnp.float32),
    )
    policy_opt, critic_opt, dual_opt = _optimisers(config)
    # Targets start as copies (own buffers), so a jitted update may donate the whole state.
    copy = functools.partial(jax.tree_util.tree_map, jnp.copy)
    return TrainingState(
        policy_params,
        copy(policy_params),
        critic_params,
        copy(critic_params),
        duals,
        policy_opt.init(policy_params),
        critic_opt.init(critic_params),
        dual_opt.init(duals),
        jnp.zeros((), jnp.int32),
        key,
    )


def make_update_step(
    policy: PolicyNetwork, critic: CriticNetwork, config: MPOConfig, task_indices: Sequence[int]
) -> UpdateStep:
    """Returns the jitted pure `update_step(state, batch) -> (state, metrics)`; `state` is donated
    (its buffers are reused for the result).

    batch: Transition with reward [B, T_all] and discount [B]; the columns
    `task_indices` are trained. Metrics are arrays [T] (per task) or scalars.
    Like Acme's DMPO, the policy is improved at the batch's next observations,
    so one target-policy sample set serves the TD target and the E-step.
    """
    task_indices = jnp.asarray(task_indices, jnp.int32)
    num_tasks = policy.num_tasks
    if critic.num_tasks != num_tasks or len(task_indices) != num_tasks:
        raise ValueError(
            f"networks have {num_tasks} (policy) / {critic.num_tasks} (critic) task heads "
            f"but {len(task_indices)} tasks are trained"
        )
    support = categorical.make_support(config.v_min, config.v_max, critic.config.num_atoms)
    hp = config.hyper_params()
    policy_opt, critic_opt, dual_opt = _optimisers(config)

    def critic_loss_fn(critic_params, batch, target_probs):
        actions = dataset_actions(batch.action, num_tasks)  # [B, T, A]
        logits = critic.apply(critic_params, batch.observation, actions)  # [B, T, K]
        loss = categorical.cross_entropy_loss(logits, target_probs)  # [T]
        return loss.sum(), loss

    def policy_loss_fn(policy_params, dual_params, batch, target_mean, target_stddev, actions, q_values):
        online_mean, online_stddev = policy.apply(policy_params, batch.next_observation)  # [B, T, A]
        policy_loss, dual_loss, stats = losses.mpo_loss(
            online_mean, online_stddev, target_mean, target_stddev, actions, q_values, dual_params, hp
        )
        if config.demonstration_weight:
            is_demonstration = batch.extras[types.DEMONSTRATION].astype(jnp.float32)  # [B]
            mean, stddev = policy.apply(policy_params, batch.observation)  # [B, T, A]
            demonstration_loss = losses.demonstration_loss(mean, stddev, batch.action, is_demonstration)  # [T]
            policy_loss = policy_loss + config.demonstration_weight * demonstration_loss
            stats.update(demonstration_loss=demonstration_loss, demonstration_fraction=is_demonstration.mean())
        return (policy_loss + dual_loss).sum(), stats

    def update_step(state: TrainingState, batch: types.Transition) -> tuple[TrainingState, Metrics]:
        key, sample_key = jax.random.split(state.key)
        reward = batch.reward[:, task_indices].astype(jnp.float32)  # [B, T]
        discount = batch.discount.astype(jnp.float32)  # [B]
        next_observation = batch.next_observation

        target_mean, target_stddev = policy.apply(state.target_policy_params, next_observation)  # [B, T, A]
        noise = jax.random.normal(sample_key, (config.num_samples, *target_mean.shape))
        actions = target_mean + target_stddev * noise  # [N, B, T, A]
        # The critic sees the actions the environment would execute (actors clip to [-1, 1]).
        next_logits = critic.apply(
            state.target_critic_params, next_observation, jnp.clip(actions, -1.0, 1.0)
        )  # [N, B, T, K]
        next_probs = jax.nn.softmax(next_logits, axis=-1)  # [N, B, T, K]
        q_values = categorical.mean_value(next_probs, support)  # [N, B, T]
        # Bootstrap from the mixture over the sampled actions, E_a' Z(s', a').
        target_probs = categorical.n_step_target(reward, discount, next_probs.mean(axis=0), support)  # [B, T, K]

        (_, critic_loss), critic_grads = jax.value_and_grad(critic_loss_fn, has_aux=True)(
            state.critic_params, batch, target_probs
        )
        (_, stats), (policy_grads, dual_grads) = jax.value_and_grad(policy_loss_fn, argnums=(0, 1), has_aux=True)(
            state.policy_params, state.dual_params, batch, target_mean, target_stddev, actions, q_values
        )

        critic_updates, critic_opt_state = critic_opt.update(critic_grads, state.critic_opt_state)
        critic_params = optax.apply_updates(state.critic_params, critic_updates)
        policy_updates, policy_opt_state = policy_opt.update(policy_grads, state.policy_opt_state)
        policy_params = optax.apply_updates(state.policy_params, policy_updates)
        dual_updates, dual_opt_state = dual_opt.update(dual_grads, state.dual_opt_state)
        dual_params = losses.clip_duals(optax.apply_updates(state.dual_params, dual_updates))

        steps = state.steps + 1
        target_policy_params = optax.periodic_update(
            policy_params, state.target_policy_params, steps, config.target_update_period
        )
        target_critic_params = optax.periodic_update(
            critic_params, state.target_critic_params, steps, config.target_update_period
        )
        metrics = dict(
            stats,
            critic_loss=critic_loss,
            q_mean=q_values.mean(axis=(0, 1)),
            reward_mean=reward.mean(axis=0),
            policy_grad_norm=optax.global_norm(policy_grads),
            critic_grad_norm=optax.global_norm(critic_grads),
        )
        new_state = TrainingState(
            policy_params,
            target_policy_params,
            critic_params,
            target_critic_params,
            dual_params,
            policy_opt_state,
            critic_opt_state,
            dual_opt_state,
            steps,
            key,
        )
        return new_state, metrics

    return jax.jit(update_step, donate_argnums=0)


def make_multi_update_step(
    policy: PolicyNetwork, critic: CriticNetwork, config: MPOConfig, task_indices: Sequence[int]
) -> UpdateStep:
    """Like `make_update_step`, but `batches` has a leading axis [K, B, ...]: K updates in one jitted
    call (`lax.scan`, state donated), the same K updates as K calls of `update_step`. Metrics are
    averaged over the K updates."""
    update_step = make_update_step(policy, critic, config, task_indices).__wrapped__

    def multi_update_step(state: TrainingState, batches: types.Transition) -> tuple[TrainingState, Metrics]:
        state, metrics = jax.lax.scan(update_step, state, batches)
        return state, jax.tree_util.tree_map(lambda m: m.mean(axis=0), metrics)

    return jax.jit(multi_update_step, donate_argnums=0)


def named_metrics(metrics: Metrics, task_names: Sequence[str]) -> dict[str, float]:
    """Arrays [T] become '<metric>/<task>' entries; scalars keep their name."""
    out = {}
    for name, value in jax.device_get(metrics).items():
        value = np.asarray(value)
        if value.ndim == 0:
            out[name] = float(value)
        else:
            out.update({f"{name}/{task}": float(v) for task, v in zip(task_names, value)})
    return out


class MPOLearner(core.StateLearner):
    """Runs `update_step` on batches [B, ...] from `iterator`; with `updates_per_step` = K > 1 each
    `step` stacks K batches and runs K updates in one jitted call.

    The state is initialised from `example` (observations [B, ...], e.g. zeros of the observation
    spec) and `action_dim`; `iterator` is first read by `step`. `tasks` maps each head to its
    reward column. Variables: 'policy' is the target policy (what actors run, as in Acme),
    'online_policy' the policy being trained, 'critic' the online critic. The update donates the
    state's buffers, so `save` and `restore` copy.
    """

    def __init__(
        self,
        networks: tuple[PolicyNetwork, CriticNetwork],
        config: MPOConfig,
        tasks: TaskLayout,
        example: types.Observation,
        action_dim: int,
        iterator: Iterator[types.Transition],
        rng: types.PRNGKey,
        updates_per_step: int = 1,
    ):
        if updates_per_step < 1:
            raise ValueError(f"updates_per_step must be >= 1, got {updates_per_step}")
        self._policy, self._critic = networks
        self._config = config
        self._iterator = iterator
        self.updates_per_step = updates_per_step
        self.task_names = tasks.heads
        self._keys = tuple(config.network.observation_keys)
        make_step = make_update_step if updates_per_step == 1 else make_multi_update_step
        self._update_step = make_step(self._policy, self._critic, config, tasks.reward_columns)
        example = {k: example[k] for k in self._keys}
        self._state = init_training_state(self._policy, self._critic, config, example, action_dim, rng)

    def _select(self, batch: types.Transition) -> types.Transition:
        """Keeps only what the update reads: the networks' observation keys, and the demonstration
        marks when demonstrations are cloned."""

        def pick(observation: types.Observation) -> dict[str, Any]:
            return {k: observation[k] for k in self._keys}

        extras = {}
        if self._config.demonstration_weight:
            if types.DEMONSTRATION not in batch.extras:
                raise ValueError(
                    f"demonstration_weight={self._config.demonstration_weight} needs batches with "
                    f"extras[{types.DEMONSTRATION!r}]; got extras {sorted(batch.extras)}"
                )
            extras = {types.DEMONSTRATION: batch.extras[types.DEMONSTRATION]}
        return types.Transition(
            pick(batch.observation), batch.action, batch.reward, batch.discount, pick(batch.next_observation), extras
        )

    def step(self) -> dict[str, float]:
        batches = [self._select(next(self._iterator)) for _ in range(self.updates_per_step)]
        batch = batches[0] if len(batches) == 1 else jax.tree_util.tree_map(lambda *x: np.stack(x), *batches)
        self._state, metrics = self._update_step(self._state, batch)
        return dict(named_metrics(metrics, self.task_names), steps=int(self._state.steps))

    def save(self) -> TrainingState:
        return jax.tree_util.tree_map(jnp.copy, self._state)

    def restore(self, state: TrainingState) -> None:
        self._state = jax.tree_util.tree_map(jnp.copy, state)

    def _variables(self) -> dict[str, types.Params]:
        return {
            "policy": self._state.target_policy_params,
            "online_policy": self._state.policy_params,
            "critic": self._state.critic_params,
        }
