"""MPO policy-improvement losses (Abdolmaleki et al. 2018), pure and vectorised
over tasks: every array carries a task axis T, each task has its own duals.

Shapes: N sampled actions, B states, T tasks, A action dimensions.
"""

from typing import NamedTuple

import jax
import jax.numpy as jnp

from chef.agents import normal

MIN_LOG_DUAL = -18.0  # Lower clip of every log-dual after an update.
DUAL_EPSILON = 1e-8  # Added to softplus(log-dual) to keep duals strictly positive.


class DualParams(NamedTuple):
    """Lagrange multipliers, stored before softplus. [T] or [T, A] (per-dimension)."""

    log_temperature: jax.Array  # [T]
    log_alpha_mean: jax.Array  # [T] | [T, A]
    log_alpha_stddev: jax.Array  # [T] | [T, A]
    log_penalty_temperature: jax.Array  # [T]


class MPOHyperParams(NamedTuple):
    epsilon: float  # KL bound of the E-step (non-parametric policy).
    epsilon_mean: float  # KL bound of the mean update (total over action dims).
    epsilon_stddev: float  # KL bound of the stddev update (total over action dims).
    epsilon_penalty: float  # KL bound of the action-penalty objective.
    per_dim_constraining: bool  # One KL bound and dual per action dimension.
    action_penalization: bool  # Add the out-of-[-1, 1] action-penalty objective.
    # Per-dimension bound: 'full' = epsilon for every dimension (Acme, rlax), 'divided' = epsilon / A.
    per_dim_epsilon: str = "divided"


def dual_value(log_dual: jax.Array) -> jax.Array:
    return jax.nn.softplus(log_dual) + DUAL_EPSILON


def clip_duals(duals: DualParams) -> DualParams:
    return jax.tree_util.tree_map(lambda x: jnp.maximum(x, MIN_LOG_DUAL), duals)


def weights_and_temperature_loss(
    q_values: jax.Array, epsilon: float, temperature: jax.Array
) -> tuple[jax.Array, jax.Array]:
    """E-step: weights softmax_N(Q / eta) [N, B, T] and the temperature dual loss [T]

        L(eta) = eta * (epsilon + mean_B log mean_N exp(Q / eta)).

    Gradients reach only `temperature`.
    """
    tempered_q = jax.lax.stop_gradient(q_values) / temperature  # [N, B, T]
    weights = jax.lax.stop_gradient(jax.nn.softmax(tempered_q, axis=0))
    log_mean_exp = jax.nn.logsumexp(tempered_q, axis=0) - jnp.log(q_values.shape[0])  # [B, T]
    return weights, temperature * (epsilon + log_mean_exp.mean(axis=0))


def nonparametric_kl(weights: jax.Array) -> jax.Array:
    """KL(q || uniform over the N samples) of the E-step weights, batch mean. [N, B, T] -> [T]"""
    n = weights.shape[0]
    return jnp.sum(weights * jnp.log(n * weights + 1e-30), axis=0).mean(axis=0)


def kl_penalty_and_dual_loss(kl: jax.Array, alpha: jax.Array, epsilon: float) -> tuple[jax.Array, jax.Array]:
    """Trust-region terms for kl [B, T] | [B, T, A] and alpha [T] | [T, A]:

        penalty = sg(alpha) * mean_B KL,   dual = alpha * (epsilon - sg(mean_B KL)),

    summed over action dimensions when per-dimension. Returns ([T], [T]).
    """
    mean_kl = kl.mean(axis=0)  # [T] | [T, A]
    penalty = jax.lax.stop_gradient(alpha) * mean_kl
    dual = alpha * (epsilon - jax.lax.stop_gradient(mean_kl))
    if penalty.ndim == 2:
        penalty, dual = penalty.sum(axis=-1), dual.sum(axis=-1)
    return penalty, dual


def action_penalty_cost(actions: jax.Array) -> jax.Array:
    """Minus the distance of each action to the box [-1, 1]^A. [..., A] -> [...]"""
    return -jnp.linalg.norm(actions - jnp.clip(actions, -1.0, 1.0), axis=-1)


def mpo_loss(
    online_mean: jax.Array,
    online_stddev: jax.Array,
    target_mean: jax.Array,
    target_stddev: jax.Array,
    actions: jax.Array,
    q_values: jax.Array,
    duals: DualParams,
    hp: MPOHyperParams,
) -> tuple[jax.Array, jax.Array, dict[str, jax.Array]]:
    """Decoupled MPO loss per task.

    online_*/target_* [B, T, A]: the policy being trained and the target policy
    that sampled `actions` [N, B, T, A]; q_values [N, B, T] from the critic.
    M-step: maximise sum_N w log pi(a) separately for the mean (stddev fixed to
    the target's) and the stddev (mean fixed to the target's), each under its
    KL trust region. Returns (policy_loss [T], dual_loss [T], stats of [T]).
    """
    action_dim = actions.shape[-1]
    temperature = dual_value(duals.log_temperature)  # [T]
    weights, temperature_loss = weights_and_temperature_loss(q_values, hp.epsilon, temperature)
    stats = {"kl_nonparametric": nonparametric_kl(weights)}
    if hp.action_penalization:
        penalty_temperature = dual_value(duals.log_penalty_temperature)
        penalty_weights, penalty_loss = weights_and_temperature_loss(
            action_penalty_cost(actions), hp.epsilon_penalty, penalty_temperature
        )
        weights = weights + penalty_weights
        temperature_loss = temperature_loss + penalty_loss
        stats["penalty_temperature"] = penalty_temperature

    stop = jax.lax.stop_gradient
    actions, target_mean, target_stddev = stop(actions), stop(target_mean), stop(target_stddev)
    # Two Gaussians: the online mean with the target's stddev trains the mean, the target's mean with
    # the online stddev trains the stddev.
    log_prob_mean = normal.log_prob(actions, online_mean, target_stddev).sum(-1)  # [N, B, T]
    log_prob_stddev = normal.log_prob(actions, target_mean, online_stddev).sum(-1)
    loss_mean = -jnp.sum(stop(weights) * log_prob_mean, axis=0).mean(0)  # [T]
    loss_stddev = -jnp.sum(stop(weights) * log_prob_stddev, axis=0).mean(0)

    kl_mean = normal.kl_divergence(target_mean, target_stddev, online_mean, target_stddev)  # [B, T, A]
    kl_stddev = normal.kl_divergence(target_mean, target_stddev, target_mean, online_stddev)
    stats.update(kl_mean=kl_mean.sum(-1).mean(0), kl_stddev=kl_stddev.sum(-1).mean(0))  # [T]
    epsilon_mean, epsilon_stddev = hp.epsilon_mean, hp.epsilon_stddev
    if hp.per_dim_constraining:
        if hp.per_dim_epsilon == "divided":
            epsilon_mean, epsilon_stddev = epsilon_mean / action_dim, epsilon_stddev / action_dim
    else:
        kl_mean, kl_stddev = kl_mean.sum(-1), kl_stddev.sum(-1)  # [B, T]
    alpha_mean, alpha_stddev = dual_value(duals.log_alpha_mean), dual_value(duals.log_alpha_stddev)
    penalty_mean, dual_mean = kl_penalty_and_dual_loss(kl_mean, alpha_mean, epsilon_mean)
    penalty_stddev, dual_stddev = kl_penalty_and_dual_loss(kl_stddev, alpha_stddev, epsilon_stddev)

    policy_loss = loss_mean + loss_stddev + penalty_mean + penalty_stddev
    dual_loss = temperature_loss + dual_mean + dual_stddev
    stats.update(
        temperature=temperature,
        alpha_mean=alpha_mean.reshape(alpha_mean.shape[0], -1).mean(-1),
        alpha_stddev=alpha_stddev.reshape(alpha_stddev.shape[0], -1).mean(-1),
        policy_stddev=online_stddev.mean(axis=(0, 2)),
    )
    return policy_loss, dual_loss, stats


def demonstration_loss(
    online_mean: jax.Array, stddev: jax.Array, actions: jax.Array, is_demonstration: jax.Array
) -> jax.Array:
    """Behaviour cloning of demonstration actions per task, the mean only:

        L = -sum_B m log N(a; mu, sg(sigma)) / max(sum_B m, 1),

    the MPO M-step's mean loss with the demonstration action as the only sample. online_mean and
    stddev [B, T, A], actions [B, A], is_demonstration m [B] in {0, 1}. Returns [T].
    """
    log_prob = normal.log_prob(
        jax.lax.stop_gradient(actions)[:, None, :], online_mean, jax.lax.stop_gradient(stddev)
    ).sum(-1)  # [B, T]
    mask = jax.lax.stop_gradient(is_demonstration)[:, None]  # [B, 1]
    return -jnp.sum(mask * log_prob, axis=0) / jnp.maximum(jnp.sum(mask), 1.0)
