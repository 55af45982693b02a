"""Cross-entropy method for maximising a score over a box of actions, batched and jittable.

QT-Opt uses CEM to compute max_a Q(s, a, task): sample actions from a
Gaussian, keep the best (elites), refit the Gaussian to them, repeat. Every
row of the batch (a state-task pair) runs its own CEM in parallel.
"""

from typing import Callable, Sequence

import jax
import jax.numpy as jnp

from chef.agents.qtopt.config import CemConfig

ScoreFn = Callable[[jax.Array], jax.Array]  # actions [B, N, A] -> scores [B, N]


def snap_binary(
    actions: jax.Array, action_min: jax.Array, action_max: jax.Array, binary_dims: Sequence[int]
) -> jax.Array:
    """Sets each of `binary_dims` to action_max where it lies above the box's centre, else to
    action_min (a switch such as a gripper command). actions [..., A] -> [..., A]"""
    if not binary_dims:
        return actions
    action_min, action_max = jnp.asarray(action_min, jnp.float32), jnp.asarray(action_max, jnp.float32)
    switch = jnp.zeros(action_min.shape, bool).at[jnp.asarray(binary_dims)].set(True)  # [A]
    snapped = jnp.where(actions > (action_min + action_max) / 2, action_max, action_min)
    return jnp.where(switch, snapped, actions)


def cem_maximize(
    score_fn: ScoreFn, key: jax.Array, batch_size: int, action_min: jax.Array, action_max: jax.Array, config: CemConfig
) -> tuple[jax.Array, jax.Array]:
    """Returns the best sampled action [B, A] and its score [B] per row.

    The search starts from the centre of the box [action_min, action_max] ([A]
    each) with a standard deviation of half its width; samples are clipped to
    the box and `config.binary_dims` snapped to their bounds (`snap_binary`), so
    the elites' mean of such a dimension is the share that chose its upper
    bound. The best action over all iterations is returned. Trace it inside
    a jitted function (score_fn and config are static).
    """
    action_min = jnp.asarray(action_min, jnp.float32)
    action_max = jnp.asarray(action_max, jnp.float32)
    shape = (batch_size,) + action_min.shape
    mean = jnp.broadcast_to((action_min + action_max) / 2, shape)  # [B, A]
    std = jnp.broadcast_to((action_max - action_min) / 2, shape)  # [B, A]
    best_action = mean
    best_score = jnp.full((batch_size,), -jnp.inf)
    for iteration_key in jax.random.split(key, config.num_iterations):
        noise = jax.random.normal(iteration_key, (batch_size, config.num_samples) + action_min.shape)
        samples = jnp.clip(mean[:, None] + std[:, None] * noise, action_min, action_max)  # [B, N, A]
        samples = snap_binary(samples, action_min, action_max, config.binary_dims)
        scores = score_fn(samples)  # [B, N]
        elite_scores, elite_index = jax.lax.top_k(scores, config.num_elites)  # [B, E]
        elites = jnp.take_along_axis(samples, elite_index[..., None], axis=1)  # [B, E, A]
        mean = elites.mean(axis=1)
        std = jnp.maximum(elites.std(axis=1), config.min_std)
        improved = elite_scores[:, 0] > best_score  # [B]
        best_action = jnp.where(improved[:, None], elites[:, 0], best_action)
        best_score = jnp.where(improved, elite_scores[:, 0], best_score)
    return best_action, best_score
