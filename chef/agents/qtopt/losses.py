"""QT-Opt losses as pure functions.

Q-values are probabilities (sigmoid outputs): with a 0/1 success reward at
the end of an episode, Q(s, a, task) estimates the discounted probability of
success. The network is trained by cross-entropy against the Bellman target.
"""

import jax
import jax.numpy as jnp
import optax


def clipped_double_q_target(
    reward: jax.Array, discount: jax.Array, next_q1: jax.Array, next_q2: jax.Array
) -> jax.Array:
    """r + discount * min(Q1, Q2)(s', a*), clipped to [0, 1]. All [B] -> [B].

    `discount` is the full bootstrap multiplier (gamma^n, 0 after a terminal);
    the clip keeps the cross-entropy label a probability when a truncated
    episode bootstraps after a reward.
    """
    target = reward + discount * jnp.minimum(next_q1, next_q2)
    return jnp.clip(target, 0.0, 1.0)


def qtopt_loss(q_logits: jax.Array, target: jax.Array) -> jax.Array:
    """Per-example sigmoid cross-entropy between Q = sigmoid(q_logits) and `target`. [B] -> [B]

    The target is treated as a constant (no gradient flows into it).
    """
    return optax.sigmoid_binary_cross_entropy(q_logits, jax.lax.stop_gradient(target))


def conservative_penalty(data_q: jax.Array, sampled_q: jax.Array) -> jax.Array:
    """A conservative (CQL-style) regulariser on success probabilities: mean_n Q(s, a_n) over
    penalised actions (sampled uniformly from the box, or CEM's maximiser: QtOptConfig.
    conservative_actions), minus Q(s, a_data). [B], [B, N] -> [B], in [-1, 1]

    Minimising it lowers Q on actions the data does not take relative to those it does, so that a
    maximiser over the whole box (CEM) cannot exploit Q's extrapolation where there is no data.
    It acts on probabilities, not logits: CQL's log-sum-exp of logits minus the data's logit is
    unbounded below, and under the sigmoid cross-entropy it diverges (the data's logit grows
    without bound: the penalty falls faster than the cross-entropy rises once Q saturates)."""
    return sampled_q.mean(axis=-1) - data_q
