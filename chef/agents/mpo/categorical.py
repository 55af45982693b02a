"""Categorical (C51-style) distributional critic: support, projection, n-step
target and loss. Pure functions; task axes are ordinary batch axes."""

import jax
import jax.numpy as jnp
import numpy as np


def make_support(v_min: float, v_max: float, num_atoms: int) -> jax.Array:
    """Evenly spaced atom values z_0 = v_min, ..., z_{K-1} = v_max. -> [K]"""
    if not v_max > v_min or num_atoms < 2:
        raise ValueError(f"need v_max > v_min and num_atoms >= 2, got {v_min}, {v_max}, {num_atoms}")
    return jnp.linspace(v_min, v_max, num_atoms, dtype=jnp.float32)


def project(atoms: jax.Array, probs: jax.Array, support: jax.Array) -> jax.Array:
    """Projects distributions with values `atoms` [..., K'] and `probs` [..., K']
    onto the evenly spaced `support` [K] (C51 / Cramér projection; values beyond
    the ends are clipped onto them). -> [..., K]

    Each atom's mass goes to its two neighbouring support points in proportion
    to closeness: weight of point i is max(0, 1 - |b - i|) with b the atom's
    fractional index (same result as rlax.categorical_l2_project). Computed as
    two scatter-adds, O(K') per distribution rather than a [K, K'] weight matrix.
    """
    num_atoms = support.shape[0]
    v_min, v_max = support[0], support[-1]
    index = (jnp.clip(atoms, v_min, v_max) - v_min) * ((num_atoms - 1) / (v_max - v_min))  # [..., K']
    lower = jnp.clip(jnp.floor(index), 0, num_atoms - 2)  # [..., K'] (b = K - 1 goes to K - 2 with weight 0)
    upper_weight = index - lower  # [..., K'] in [0, 1]
    batch_shape = probs.shape[:-1]
    rows = jnp.arange(int(np.prod(batch_shape)))[:, None]  # [R, 1]
    lower = lower.astype(jnp.int32).reshape(rows.shape[0], -1)  # [R, K']
    flat_probs = probs.reshape(rows.shape[0], -1)  # [R, K']
    upper_weight = upper_weight.reshape(rows.shape[0], -1)
    projected = (
        jnp.zeros((rows.shape[0], num_atoms), probs.dtype)
        .at[rows, lower]
        .add(flat_probs * (1.0 - upper_weight))
        .at[rows, lower + 1]
        .add(flat_probs * upper_weight)
    )  # [R, K]
    return projected.reshape(*batch_shape, num_atoms)


def n_step_target(reward: jax.Array, discount: jax.Array, next_probs: jax.Array, support: jax.Array) -> jax.Array:
    """Distribution of r + discount * Z(s'), projected on `support`.

    reward [B, T]; discount [B] (gamma^n * env discounts, 0 at terminals);
    next_probs [B, T, K]: the bootstrap distribution Z(s') on `support` (e.g.
    the target critic's mixture over sampled next actions). Returns target
    probabilities [B, T, K] (no gradient).
    """
    atoms = reward[..., None] + discount[:, None, None] * support  # [B, T, K]
    return jax.lax.stop_gradient(project(atoms, next_probs, support))


def cross_entropy_loss(logits: jax.Array, target_probs: jax.Array) -> jax.Array:
    """Cross-entropy H(target, softmax(logits)), averaged over the batch. [B, T, K] -> [T]"""
    log_probs = jax.nn.log_softmax(logits, axis=-1)
    return -jnp.sum(jax.lax.stop_gradient(target_probs) * log_probs, axis=-1).mean(axis=0)


def mean_value(probs: jax.Array, support: jax.Array) -> jax.Array:
    """Expected value of categorical distributions. probs [..., K] -> [...]"""
    return probs @ support
