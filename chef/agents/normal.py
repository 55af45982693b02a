"""Per-dimension Gaussian log-density and KL divergence, the two facts about N(mean, stddev) the
MPO and BC losses use, as pure functions.

Written here rather than taken from distrax: its import (TensorFlow Probability's JAX substrate)
cost every chef process 3.2 CPU-s on top of its 9.9 (benchmarks/import_time.py), and a pipeline
starts dozens of processes. tests/chef/agents/test_normal.py holds them equal to distrax's.
"""

import jax
import jax.numpy as jnp


def log_prob(x: jax.Array, mean: jax.Array, stddev: jax.Array) -> jax.Array:
    """log N(x; mean, stddev) per dimension (broadcasting): jax.scipy's normal log-density."""
    return jax.scipy.stats.norm.logpdf(x, mean, stddev)


def kl_divergence(p_mean: jax.Array, p_stddev: jax.Array, q_mean: jax.Array, q_stddev: jax.Array) -> jax.Array:
    """KL(N(p_mean, p_stddev) || N(q_mean, q_stddev)) per dimension (broadcasting):

    log(q_stddev / p_stddev) + (p_stddev^2 + (p_mean - q_mean)^2) / (2 q_stddev^2) - 1/2.
    """
    variance_ratio = jnp.square(p_stddev / q_stddev)
    return 0.5 * (variance_ratio + jnp.square((p_mean - q_mean) / q_stddev) - 1.0 - jnp.log(variance_ratio))
