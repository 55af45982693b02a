"""Selecting agent-visible observation keys and flattening them for a torso.

A network is built with an explicit tuple of observation keys. Keys ending in
'/pixels' are images ([B, H, W, 3] uint8) for the ResNet torso; every other key
is a vector feature, flattened per example and concatenated (optionally
standardised with `vector_statistics` of a dataset, and clipped). Keys starting
with 'privileged/' (simulator-only state, e.g. the reward state) are refused.
"""

from typing import Mapping, Sequence

import jax
import jax.numpy as jnp
import numpy as np

PIXELS_SUFFIX = "/pixels"
PRIVILEGED_PREFIX = "privileged/"


def check_observation_keys(keys: Sequence[str]) -> tuple[str, ...]:
    """Returns `keys` as a tuple; raises ValueError for empty, duplicate or privileged keys."""
    keys = tuple(keys)
    if not keys:
        raise ValueError("observation_keys must name at least one observation")
    privileged = [k for k in keys if k.startswith(PRIVILEGED_PREFIX)]
    if privileged:
        raise ValueError(f"agents may not read privileged observations: {privileged}")
    if len(set(keys)) != len(keys):
        raise ValueError(f"duplicate observation keys: {keys}")
    return keys


def split_keys(keys: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Splits keys into (vector_keys, pixel_keys), both sorted for a fixed layout."""
    keys = check_observation_keys(keys)
    pixel_keys = tuple(sorted(k for k in keys if k.endswith(PIXELS_SUFFIX)))
    vector_keys = tuple(sorted(k for k in keys if not k.endswith(PIXELS_SUFFIX)))
    return vector_keys, pixel_keys


def _get(observation: Mapping[str, jax.Array], key: str) -> jax.Array:
    if key not in observation:
        raise KeyError(f"observation has no key {key!r}; it has {sorted(observation)}")
    return jnp.asarray(observation[key])


def flatten_vectors(observation: Mapping[str, jax.Array], keys: Sequence[str]) -> jax.Array:
    """Concatenates the named features, each flattened after the batch axis. -> [B, F]"""
    parts = [_get(observation, k) for k in keys]
    return jnp.concatenate([p.reshape(p.shape[0], -1).astype(jnp.float32) for p in parts], axis=-1)


MIN_STD = 1e-2  # Floor of a standardised feature's std (constant features stay finite).
MAX_STANDARDISED = 5.0  # Standardised features are clipped to +-this: a feature that was (nearly)
# constant in the statistics' data (a resting object's height) cannot swamp the others when it moves.


def vector_statistics(
    observation: Mapping[str, np.ndarray], keys: Sequence[str]
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Per-feature (mean, std) over a batch of observations {key: [N, ...]}, in the order in which a
    torso flattens the vector keys among `keys` (std floored at MIN_STD), for standardising inputs."""
    vector_keys, _ = split_keys(keys)
    features = np.concatenate(
        [np.asarray(observation[k], np.float64).reshape(len(observation[k]), -1) for k in vector_keys], axis=-1
    )  # [N, F]
    return tuple(map(float, features.mean(0))), tuple(map(float, np.maximum(features.std(0), MIN_STD)))


def select_statistics(
    mean: Sequence[float],
    std: Sequence[float],
    from_keys: Sequence[str],
    to_keys: Sequence[str],
    feature_sizes: Mapping[str, int],
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The (mean, std) of `vector_statistics` over `from_keys`, cut down to the vector keys among
    `to_keys` (which must all be among `from_keys`); `feature_sizes`: {key: flattened size}."""
    from_vector, _ = split_keys(from_keys)
    to_vector, _ = split_keys(to_keys)
    missing = sorted(set(to_vector) - set(from_vector))
    if missing:
        raise ValueError(f"the input statistics cover {list(from_vector)}, not {missing}")
    offsets = np.cumsum([0] + [feature_sizes[k] for k in from_vector])
    if offsets[-1] != len(mean) or len(mean) != len(std):
        raise ValueError(f"{len(mean)} means and {len(std)} stds for {offsets[-1]} features of {list(from_vector)}")
    if not to_vector:
        return (), ()
    start = dict(zip(from_vector, offsets[:-1]))
    index = np.concatenate([np.arange(start[k], start[k] + feature_sizes[k]) for k in to_vector]).astype(int)
    return tuple(float(mean[i]) for i in index), tuple(float(std[i]) for i in index)


def standardise(features: jax.Array, mean: Sequence[float], std: Sequence[float]) -> jax.Array:
    """(features - mean) / std, clipped to +-MAX_STANDARDISED. [B, F] -> [B, F]"""
    scaled = (features - jnp.asarray(mean, jnp.float32)) / jnp.asarray(std, jnp.float32)
    return jnp.clip(scaled, -MAX_STANDARDISED, MAX_STANDARDISED)


def stack_pixels(observation: Mapping[str, jax.Array], keys: Sequence[str]) -> jax.Array:
    """Concatenates the cameras' images along channels, scaled to [0, 1]. -> [B, H, W, 3 * C]"""
    images = [_get(observation, k) for k in keys]
    shapes = {im.shape[1:3] for im in images}
    if len(shapes) != 1:
        raise ValueError(f"all cameras must share one image size, got {dict(zip(keys, shapes))}")
    return jnp.concatenate(images, axis=-1).astype(jnp.float32) / 255.0
