"""Multi-task success detector: final camera images + task id -> success logit.

As in MT-Opt, one network serves every task: each camera's image goes through
the same strided conv stack and a global max-pool (success is a local
arrangement of objects, wherever it appears), the cameras' features are
joined into an embedding, the task one-hot goes through a dense layer added to
it, and an MLP head gives one logit, P(success of task | images) =
sigmoid(logit).
"""

from typing import Mapping, Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from chef.networks import torsos


class CameraTorso(nn.Module):
    """[B, C, H, W, 3] -> [B, E]: shared strided convs per camera, global max-pool, dense."""

    conv_channels: Sequence[int]
    embedding_size: int

    @nn.compact
    def __call__(self, images: jax.Array) -> jax.Array:
        batch, cameras = images.shape[:2]
        x = images.reshape((batch * cameras,) + images.shape[2:])  # [B * C, H, W, 3]
        for channels in self.conv_channels:
            x = nn.relu(nn.Conv(channels, (3, 3), strides=(2, 2))(x))
        pooled = x.max(axis=(1, 2)).reshape(batch, -1)  # [B, C * channels]
        return nn.relu(nn.Dense(self.embedding_size)(pooled))


class SuccessDetector(nn.Module):
    """images [B, C, H, W, 3] float in [0, 1] (C cameras), task_id [B] int -> logits [B]."""

    num_tasks: int
    conv_channels: Sequence[int] = (16, 32, 32)
    embedding_size: int = 64
    hidden_sizes: Sequence[int] = (64,)

    @nn.compact
    def __call__(self, images: jax.Array, task_id: jax.Array) -> jax.Array:
        embedding = CameraTorso(self.conv_channels, self.embedding_size)(images)  # [B, E]
        task = nn.Dense(self.embedding_size)(jax.nn.one_hot(task_id, self.num_tasks))  # [B, E]
        hidden = torsos.LayerNormMLP(self.hidden_sizes)(nn.elu(embedding + task))
        return nn.Dense(1)(hidden)[..., 0]


def all_task_logits(model: SuccessDetector, params, images: jax.Array) -> jax.Array:
    """Logits of every task for each example: [B, C, H, W, 3] -> [B, T]."""
    batch = images.shape[0]
    tiled = jnp.repeat(images, model.num_tasks, axis=0)  # [B * T, C, H, W, 3]
    task_id = jnp.tile(jnp.arange(model.num_tasks), batch)  # [B * T]
    return model.apply(params, tiled, task_id).reshape(batch, model.num_tasks)


def stack_cameras(observation: Mapping[str, np.ndarray], camera_keys: Sequence[str]) -> np.ndarray:
    """{'<cam>/pixels': [B, H, W, 3]} -> [B, C, H, W, 3] in the order of `camera_keys`."""
    missing = [k for k in camera_keys if k not in observation]
    if missing:
        raise KeyError(f"observation lacks camera(s) {missing}; it has {sorted(observation)}")
    return np.stack([np.asarray(observation[k]) for k in camera_keys], axis=1)
