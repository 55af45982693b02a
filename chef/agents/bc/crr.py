"""Critic-regularised regression (CRR, Wang et al. 2020): behaviour cloning
weighted by the advantage of the dataset action under a learned critic; the
strongest prior-work baseline in the CHEF paper.

The critic is MPO's categorical n-step critic (bootstrapping from the target
policy's samples); the policy maximises

    E_(s,a)~D [ f(A(s, a)) log pi(a | s) ],  A(s, a) = Q(s, a) - mean_j Q(s, a_j), a_j ~ pi(s),

with f(A) = min(exp(A / beta), max_weight) ('exp') or 1[A > 0] ('binary').
"""

import dataclasses
from typing import Callable, Iterator, NamedTuple, Sequence

import jax
import jax.numpy as jnp
import optax

from chef import core, types
from chef.agents import optimisers
from chef.agents.bc.learning import log_likelihood
from chef.agents.mpo import categorical
from chef.agents.mpo.learning import dataset_actions, named_metrics
from chef.networks.multitask import CriticNetwork, NetworkConfig, PolicyNetwork
from chef.task_layout import TaskLayout
from chef.utils.config import require

WEIGHTINGS = ("exp", "binary")


@dataclasses.dataclass(frozen=True)
class CRRConfig:
    network: NetworkConfig  # Required: names the observation keys.
    tasks: tuple[str, ...] = ()  # Task names to train; () = all of the batch's.
    policy_learning_rate: float = 1e-4
    critic_learning_rate: float = 1e-4
    max_grad_norm: float = 40.0
    target_update_period: int = 100
    num_samples: int = 4  # Policy samples for the advantage baseline (and the bootstrap).
    weighting: str = "exp"
    beta: float = 1.0
    max_weight: float = 20.0
    v_min: float = 0.0
    v_max: float = 100.0

    def __post_init__(self):
        require(self.weighting in WEIGHTINGS, f"weighting must be one of {WEIGHTINGS}, got {self.weighting!r}")
        for name in ("policy_learning_rate", "critic_learning_rate", "max_grad_norm", "beta", "max_weight"):
            require(getattr(self, name) > 0, f"{name} must be > 0, got {getattr(self, name)}")
        require(
            self.target_update_period >= 1 and self.num_samples >= 1,
            f"need target_update_period, num_samples >= 1, got {self.target_update_period}, {self.num_samples}",
        )
        require(self.v_max > self.v_min, f"need v_max > v_min, got [{self.v_min}, {self.v_max}]")


def crr_weights(q_data: jax.Array, q_samples: jax.Array, weighting: str, beta: float, max_weight: float) -> jax.Array:
    """f(A) for A = q_data [B, T] - mean_N q_samples [N, B, T]. -> [B, T] (no gradient)"""
    advantage = q_data - q_samples.mean(axis=0)
    if weighting == "binary":
        weights = (advantage > 0).astype(q_data.dtype)
    elif weighting == "exp":
        weights = jnp.minimum(jnp.exp(advantage / beta), max_weight)
    else:
        raise ValueError(f"weighting must be one of {WEIGHTINGS}, got {weighting!r}")
    return jax.lax.stop_gradient(weights)


def _optimisers(config: CRRConfig) -> tuple[optax.GradientTransformation, optax.GradientTransformation]:
    return tuple(
        optimisers.clipped_adam(lr, config.max_grad_norm)
        for lr in (config.policy_learning_rate, config.critic_learning_rate)
    )


class CRRState(NamedTuple):
    policy_params: types.Params
    target_policy_params: types.Params
    critic_params: types.Params
    target_critic_params: types.Params
    policy_opt_state: optax.OptState
    critic_opt_state: optax.OptState
    steps: jax.Array  # [] int32
    key: types.PRNGKey


def make_crr_update_step(
    policy: PolicyNetwork, critic: CriticNetwork, config: CRRConfig, task_indices: Sequence[int]
) -> Callable[[CRRState, types.Transition], tuple]:
    """Jitted `update_step(state, batch) -> (state, metrics of [T])`, all task heads at once."""
    task_indices = jnp.asarray(task_indices, jnp.int32)
    num_tasks = policy.num_tasks
    support = categorical.make_support(config.v_min, config.v_max, critic.config.num_atoms)
    policy_opt, critic_opt = _optimisers(config)

    def sample(params, observation, key):  # -> [N, B, T, A] in [-1, 1]
        mean, stddev = policy.apply(params, observation)
        return jnp.clip(mean + stddev * jax.random.normal(key, (config.num_samples, *mean.shape)), -1.0, 1.0)

    def critic_loss_fn(critic_params, batch, target_probs):
        logits = critic.apply(critic_params, batch.observation, dataset_actions(batch.action, num_tasks))
        loss = categorical.cross_entropy_loss(logits, target_probs)  # [T]
        return loss.sum(), (loss, categorical.mean_value(jax.nn.softmax(logits), support))

    def policy_loss_fn(policy_params, observation, action, weights):
        mean, stddev = policy.apply(policy_params, observation)  # [B, T, A]
        loss = -(weights * log_likelihood(mean, stddev, action)).mean(axis=0)  # [T]
        return loss.sum(), loss

    def update_step(state: CRRState, batch: types.Transition):
        key, next_key, baseline_key = jax.random.split(state.key, 3)
        reward = batch.reward[:, task_indices].astype(jnp.float32)  # [B, T]
        next_actions = sample(state.target_policy_params, batch.next_observation, next_key)
        next_logits = critic.apply(state.target_critic_params, batch.next_observation, next_actions)
        next_probs = jax.nn.softmax(next_logits, axis=-1).mean(axis=0)  # [B, T, K]
        target_probs = categorical.n_step_target(reward, batch.discount.astype(jnp.float32), next_probs, support)
        (_, (critic_loss, q_data)), critic_grads = jax.value_and_grad(critic_loss_fn, has_aux=True)(
            state.critic_params, batch, target_probs
        )

        baseline_actions = sample(state.policy_params, batch.observation, baseline_key)  # [N, B, T, A]
        q_samples = categorical.mean_value(
            jax.nn.softmax(critic.apply(state.critic_params, batch.observation, baseline_actions)), support
        )
        weights = crr_weights(q_data, q_samples, config.weighting, config.beta, config.max_weight)  # [B, T]
        (_, policy_loss), policy_grads = jax.value_and_grad(policy_loss_fn, has_aux=True)(
            state.policy_params, batch.observation, batch.action, weights
        )

        critic_updates, critic_opt_state = critic_opt.update(critic_grads, state.critic_opt_state)
        critic_params = optax.apply_updates(state.critic_params, critic_updates)
        policy_updates, policy_opt_state = policy_opt.update(policy_grads, state.policy_opt_state)
        policy_params = optax.apply_updates(state.policy_params, policy_updates)
        steps = state.steps + 1
        new_state = CRRState(
            policy_params,
            optax.periodic_update(policy_params, state.target_policy_params, steps, config.target_update_period),
            critic_params,
            optax.periodic_update(critic_params, state.target_critic_params, steps, config.target_update_period),
            policy_opt_state,
            critic_opt_state,
            steps,
            key,
        )
        metrics = {
            "critic_loss": critic_loss,
            "policy_loss": policy_loss,
            "weight_mean": weights.mean(0),
            "q_mean": q_data.mean(0),
        }
        return new_state, metrics

    return jax.jit(update_step)


class CRRLearner(core.StateLearner):
    """Offline CRR on batches from `iterator` (first read by `step`), initialised from `example`
    (observations [B, ...]) and `action_dim`; variables 'policy' (online) and 'critic'."""

    def __init__(
        self,
        networks: tuple[PolicyNetwork, CriticNetwork],
        config: CRRConfig,
        task_names: Sequence[str],
        example: types.Observation,
        action_dim: int,
        iterator: Iterator[types.Transition],
        rng: types.PRNGKey,
    ):
        tasks = TaskLayout(tuple(config.tasks) or tuple(task_names), tuple(task_names))
        self.task_names = tasks.heads
        policy, critic = networks
        if policy.num_tasks != tasks.num_heads or critic.num_tasks != tasks.num_heads:
            raise ValueError(
                f"networks have {policy.num_tasks}/{critic.num_tasks} heads but {tasks.num_heads} tasks are trained"
            )
        self._keys = tuple(config.network.observation_keys)
        self._iterator = iterator
        self._update_step = make_crr_update_step(policy, critic, config, tasks.reward_columns)
        observation = {k: example[k] for k in self._keys}
        batch_size = jax.tree_util.tree_leaves(observation)[0].shape[0]
        policy_key, critic_key, key = jax.random.split(rng, 3)
        policy_params = policy.init(policy_key, observation)
        critic_params = critic.init(critic_key, observation, jnp.zeros((batch_size, policy.num_tasks, action_dim)))
        policy_opt, critic_opt = _optimisers(config)
        self._state = CRRState(
            policy_params,
            policy_params,
            critic_params,
            critic_params,
            policy_opt.init(policy_params),
            critic_opt.init(critic_params),
            jnp.zeros((), jnp.int32),
            key,
        )

    def _select(self, batch: types.Transition) -> types.Transition:
        def pick(observation):
            return {k: observation[k] for k in self._keys}

        return types.Transition(
            pick(batch.observation), batch.action, batch.reward, batch.discount, pick(batch.next_observation)
        )

    def step(self) -> dict[str, float]:
        self._state, metrics = self._update_step(self._state, self._select(next(self._iterator)))
        return dict(named_metrics(metrics, self.task_names), steps=int(self._state.steps))

    def _variables(self) -> dict[str, types.Params]:
        return {"policy": self._state.policy_params, "critic": self._state.critic_params}
