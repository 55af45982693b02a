"""Per-task output heads, vectorised over tasks with `nn.vmap` (one parameter
slice per task, no Python loop).

Both heads accept shared torso features [B, F] (broadcast to every task) or
per-task features [B, T, F] (one torso per task).
"""

from typing import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp

from chef.networks.torsos import MLP

_SMALL_INIT = nn.initializers.variance_scaling(1e-4, "fan_in", "truncated_normal")


def _task_axis(features: jax.Array, shared_ndim: int) -> int | None:
    """vmap axis of `features` over tasks: None when shared by all tasks."""
    if features.ndim == shared_ndim:
        return None
    if features.ndim == shared_ndim + 1:
        return shared_ndim - 1
    raise ValueError(
        f"features must have {shared_ndim} (shared) or {shared_ndim + 1} (per-task) dims, got shape {features.shape}"
    )


class GaussianHead(nn.Module):
    """One task's diagonal Gaussian: features [B, F] -> (mean, stddev) [B, A]."""

    action_dim: int
    hidden_sizes: Sequence[int]
    init_scale: float = 0.7
    min_scale: float = 1e-6
    tanh_mean: bool = False

    @nn.compact
    def __call__(self, features: jax.Array) -> tuple[jax.Array, jax.Array]:
        x = MLP(self.hidden_sizes)(features)
        mean = nn.Dense(self.action_dim, kernel_init=_SMALL_INIT)(x)
        if self.tanh_mean:
            mean = jnp.tanh(mean)
        scale = nn.Dense(self.action_dim, kernel_init=_SMALL_INIT)(x)
        # softplus(0) * init_scale / softplus(0) = init_scale at initialisation.
        stddev = jax.nn.softplus(scale) * self.init_scale / jax.nn.softplus(0.0) + self.min_scale
        return mean, stddev


class GaussianPolicyHead(nn.Module):
    """Per-task Gaussian heads: features [B, F] | [B, T, F] -> (mean, stddev) [B, T, A]."""

    num_tasks: int
    action_dim: int
    hidden_sizes: Sequence[int]
    init_scale: float = 0.7
    min_scale: float = 1e-6
    tanh_mean: bool = False

    @nn.compact
    def __call__(self, features: jax.Array) -> tuple[jax.Array, jax.Array]:
        heads = nn.vmap(
            GaussianHead,
            variable_axes={"params": 0},
            split_rngs={"params": True},
            in_axes=_task_axis(features, 2),
            out_axes=1,
            axis_size=self.num_tasks,
        )
        return heads(self.action_dim, self.hidden_sizes, self.init_scale, self.min_scale, self.tanh_mean, name="tasks")(
            features
        )


class CategoricalHead(nn.Module):
    """One task's critic: (features [..., F], action [..., A]) -> logits [..., K]."""

    num_atoms: int
    hidden_sizes: Sequence[int]

    @nn.compact
    def __call__(self, features: jax.Array, action: jax.Array) -> jax.Array:
        # The first layer is Dense(concat(features, action)), computed as
        # Dense(features) + Dense(action) so the features' part runs once per
        # state rather than once per sampled action.
        sizes = tuple(self.hidden_sizes) + (self.num_atoms,)
        kernel_init = _SMALL_INIT if len(sizes) == 1 else nn.initializers.lecun_uniform()
        x = nn.Dense(sizes[0], kernel_init=kernel_init, name="features_in")(features) + nn.Dense(
            sizes[0], use_bias=False, kernel_init=kernel_init, name="action_in"
        )(action)
        if len(sizes) == 1:
            return x
        x = MLP(sizes[1:-1])(nn.elu(x))
        return nn.Dense(self.num_atoms, kernel_init=_SMALL_INIT)(x)


class CategoricalCriticHead(nn.Module):
    """Per-task categorical critics.

    features [B, F] | [B, T, F], actions [..., B, T, A] (any leading sample
    axes, e.g. [N, B, T, A]; task t's head sees actions[..., t, :])
    -> logits [..., B, T, K].
    """

    num_tasks: int
    num_atoms: int
    hidden_sizes: Sequence[int]

    @nn.compact
    def __call__(self, features: jax.Array, actions: jax.Array) -> jax.Array:
        feature_axis = _task_axis(features, 2)
        heads = nn.vmap(
            CategoricalHead,
            variable_axes={"params": 0},
            split_rngs={"params": True},
            in_axes=(None if feature_axis is None else -2, -2),
            out_axes=-2,
            axis_size=self.num_tasks,
        )
        return heads(self.num_atoms, self.hidden_sizes, name="tasks")(features, actions)
