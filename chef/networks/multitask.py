"""Multi-task policy and critic networks: a torso shared by every task or one
torso per task (CHEF's ablation), and one head per task.

With `share_torso=False` the torso is `nn.vmap`-ed over tasks, so the network
stays a single vectorised computation.
"""

import dataclasses
from typing import Mapping, Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp

from chef.networks import heads, inputs, torsos
from chef.utils.config import require


@dataclasses.dataclass(frozen=True)
class NetworkConfig:
    """Architecture of the policy and critic networks (shared by MPO, BC and CRR)."""

    observation_keys: tuple[str, ...] = ()
    resnet: str | None = None  # None (state only) or a preset of torsos.RESNET_PRESETS.
    torso_hidden_sizes: tuple[int, ...] = (128, 128)
    head_hidden_sizes: tuple[int, ...] = (64,)
    share_policy_torso: bool = True
    share_critic_torso: bool = True
    num_atoms: int = 51
    init_scale: float = 0.7
    min_scale: float = 1e-6
    tanh_mean: bool = False
    # Standardisation of the vector inputs (inputs.vector_statistics of a dataset); () = raw inputs.
    vector_mean: tuple[float, ...] = ()
    vector_std: tuple[float, ...] = ()

    def __post_init__(self):
        try:
            inputs.check_observation_keys(self.observation_keys)
        except ValueError as e:
            require(False, f"observation_keys: {e}")
        require(
            self.resnet is None or self.resnet in torsos.RESNET_PRESETS,
            f"resnet must be None or one of {sorted(torsos.RESNET_PRESETS)}, got {self.resnet!r}",
        )
        require(self.num_atoms >= 2, f"num_atoms must be >= 2, got {self.num_atoms}")
        require(
            len(self.vector_mean) == len(self.vector_std),
            f"vector_mean and vector_std need one entry per feature, got {len(self.vector_mean)} and "
            f"{len(self.vector_std)}",
        )
        require(
            self.init_scale > 0 and self.min_scale >= 0,
            f"need init_scale > 0 and min_scale >= 0, got {self.init_scale}, {self.min_scale}",
        )

    def resnet_spec(self) -> torsos.ResNetSpec | None:
        return None if self.resnet is None else torsos.resnet_spec(self.resnet)


def _features(config: NetworkConfig, observation: Mapping[str, jax.Array], num_tasks: int, share: bool) -> jax.Array:
    """Shared torso -> [B, F]; one torso per task -> [B, T, F]. Call inside a compact method."""
    args = (
        config.observation_keys,
        config.torso_hidden_sizes,
        config.resnet_spec(),
        config.vector_mean,
        config.vector_std,
    )
    if share:
        return torsos.ObservationTorso(*args, name="torso")(observation)
    per_task = nn.vmap(
        torsos.ObservationTorso,
        variable_axes={"params": 0},
        split_rngs={"params": True},
        in_axes=None,
        out_axes=1,
        axis_size=num_tasks,
    )
    return per_task(*args, name="torsos")(observation)


class PolicyNetwork(nn.Module):
    """observation {key: [B, ...]} -> (mean, stddev) [B, T, A]."""

    config: NetworkConfig
    num_tasks: int
    action_dim: int

    @nn.compact
    def __call__(self, observation: Mapping[str, jax.Array]) -> tuple[jax.Array, jax.Array]:
        c = self.config
        features = _features(c, observation, self.num_tasks, c.share_policy_torso)
        return heads.GaussianPolicyHead(
            self.num_tasks, self.action_dim, c.head_hidden_sizes, c.init_scale, c.min_scale, c.tanh_mean, name="heads"
        )(features)


class CriticNetwork(nn.Module):
    """(observation {key: [B, ...]}, actions [..., B, T, A]) -> logits [..., B, T, K].

    The torso runs once per observation; leading sample axes of `actions`
    (e.g. N sampled actions) only repeat the cheap heads.
    """

    config: NetworkConfig
    num_tasks: int

    @nn.compact
    def __call__(self, observation: Mapping[str, jax.Array], actions: jax.Array) -> jax.Array:
        c = self.config
        features = _features(c, observation, self.num_tasks, c.share_critic_torso)
        return heads.CategoricalCriticHead(self.num_tasks, c.num_atoms, c.head_hidden_sizes, name="heads")(
            features, actions
        )


def make_networks(config: NetworkConfig, num_tasks: int, action_dim: int) -> tuple[PolicyNetwork, CriticNetwork]:
    if num_tasks < 1 or action_dim < 1:
        raise ValueError(f"need num_tasks >= 1 and action_dim >= 1, got {num_tasks}, {action_dim}")
    return PolicyNetwork(config, num_tasks, action_dim), CriticNetwork(config, num_tasks)


def example_observation(
    observation_spec: Mapping[str, Sequence[int]], keys: Sequence[str], batch_size: int = 1
) -> dict[str, jax.Array]:
    """Zeros for `keys` with batch dim, from {key: shape} (uint8 for pixels): for `init`."""
    return {
        k: jnp.zeros((batch_size, *observation_spec[k]), jnp.uint8 if k.endswith(inputs.PIXELS_SUFFIX) else jnp.float32)
        for k in keys
    }
