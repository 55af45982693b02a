"""Torsos: an MLP with layer norm for vector inputs, a ResNet for camera images,
and `ObservationTorso`, which fuses both into one feature vector.

Pixel layout: the cameras' images are concatenated along channels
([B, H, W, 3 * num_cameras]) and go through one ResNet; its embedding is
concatenated with the flattened proprioception/haptics vectors and passed
through the MLP.
"""

import dataclasses
from typing import Mapping, Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp

from chef.networks import inputs


@dataclasses.dataclass(frozen=True)
class ResNetSpec:
    """Channels of the ResNet stages and the size of the image embedding."""

    channels: tuple[int, ...]
    embedding_size: int


RESNET_PRESETS: dict[str, ResNetSpec] = {
    "small": ResNetSpec(channels=(16, 32, 32), embedding_size=32),  # CHEF COLLECT.
    "large": ResNetSpec(channels=(64, 128, 128, 64), embedding_size=256),  # CHEF sweep.
}


def resnet_spec(preset: str) -> ResNetSpec:
    if preset not in RESNET_PRESETS:
        raise ValueError(f"unknown ResNet preset {preset!r}; valid presets: {sorted(RESNET_PRESETS)}")
    return RESNET_PRESETS[preset]


class MLP(nn.Module):
    """Dense -> ELU per layer (the final one included)."""

    hidden_sizes: Sequence[int]

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:  # [..., F] -> [..., H]
        for size in self.hidden_sizes:
            x = nn.elu(nn.Dense(size, kernel_init=nn.initializers.lecun_uniform())(x))
        return x


class LayerNormMLP(nn.Module):
    """Acme's LayerNormMLP: Dense -> LayerNorm -> tanh, then Dense -> ELU layers."""

    hidden_sizes: Sequence[int]

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:  # [..., F] -> [..., H]
        if not self.hidden_sizes:
            return x
        x = nn.Dense(self.hidden_sizes[0], kernel_init=nn.initializers.lecun_uniform())(x)
        return MLP(self.hidden_sizes[1:])(jnp.tanh(nn.LayerNorm()(x)))


class ResidualBlock(nn.Module):
    channels: int

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:  # [B, H, W, C]
        y = nn.Conv(self.channels, (3, 3))(nn.relu(x))
        y = nn.Conv(self.channels, (3, 3))(nn.relu(y))
        return x + y


class ResNetTorso(nn.Module):
    """IMPALA-style ResNet: per stage conv, 3x3/2 max-pool, two residual blocks."""

    channels: Sequence[int]
    embedding_size: int

    @nn.compact
    def __call__(self, images: jax.Array) -> jax.Array:  # [B, H, W, C] float -> [B, E]
        x = images
        for channels in self.channels:
            x = nn.Conv(channels, (3, 3))(x)
            x = nn.max_pool(x, (3, 3), strides=(2, 2), padding="SAME")
            x = ResidualBlock(channels)(x)
            x = ResidualBlock(channels)(x)
        x = nn.relu(x).reshape(x.shape[0], -1)
        return nn.relu(nn.Dense(self.embedding_size)(x))


class ObservationTorso(nn.Module):
    """Observation dict -> features [B, H]: ResNet(pixels) ++ vectors -> LayerNormMLP.

    `vector_mean` / `vector_std` [F] (from `inputs.vector_statistics`; empty = raw) standardise the
    flattened vector features (`inputs.standardise`) before the MLP.
    """

    observation_keys: Sequence[str]
    hidden_sizes: Sequence[int]
    resnet: ResNetSpec | None = None
    vector_mean: Sequence[float] = ()
    vector_std: Sequence[float] = ()

    @nn.compact
    def __call__(self, observation: Mapping[str, jax.Array]) -> jax.Array:
        vector_keys, pixel_keys = inputs.split_keys(self.observation_keys)
        features = []
        if pixel_keys:
            if self.resnet is None:
                raise ValueError(f"pixel observations {pixel_keys} need a ResNet spec (resnet=...)")
            images = inputs.stack_pixels(observation, pixel_keys)  # [B, H, W, 3 * cams]
            features.append(ResNetTorso(self.resnet.channels, self.resnet.embedding_size)(images))
        if vector_keys:
            vectors = inputs.flatten_vectors(observation, vector_keys)  # [B, F]
            if len(self.vector_mean):
                vectors = inputs.standardise(vectors, self.vector_mean, self.vector_std)
            features.append(vectors)
        return LayerNormMLP(self.hidden_sizes)(jnp.concatenate(features, axis=-1))
