"""MT-Opt Q-network: Q(s, a, task) with a single sigmoid head.

As in MT-Opt (Fig. 9): state features come from a torso (MLP over vectors,
ResNet over camera images); the action and the task one-hot go through a
dense layer and are added to the state features; an MLP head maps the fused
features to one logit, Q = sigmoid(logit). A single head conditioned on the
task id did better than per-task heads in MT-Opt.
"""
from typing import Mapping, Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp

from chef.agents.qtopt.config import QtOptConfig
from chef.networks import torsos


class QNetwork(nn.Module):
    """(observation, action, task_id) -> Q logit.

    Shapes: observation {name: [B, ...]}, task_id [B] int; action [B, A]
    gives logits [B], action [B, N, A] (N candidate actions per state, as in
    CEM) gives logits [B, N] with the torso evaluated once per state.
    """

    observation_keys: Sequence[str]
    num_tasks: int
    torso_hidden_sizes: Sequence[int] = (256, 256)
    head_hidden_sizes: Sequence[int] = (256, 256)
    resnet: torsos.ResNetSpec | None = None

    @nn.compact
    def __call__(self, observation: Mapping[str, jax.Array], action: jax.Array,
                 task_id: jax.Array) -> jax.Array:
        state = torsos.ObservationTorso(self.observation_keys, self.torso_hidden_sizes, self.resnet)(
            observation)  # [B, F]
        task = jax.nn.one_hot(task_id, self.num_tasks)  # [B, T]
        if action.ndim == 3:  # [B, N, A]: broadcast per-state inputs over the N candidates.
            state = state[:, None]  # [B, 1, F]
            task = jnp.broadcast_to(task[:, None], action.shape[:2] + task.shape[-1:])  # [B, N, T]
        action_task = nn.Dense(state.shape[-1])(jnp.concatenate([action.astype(jnp.float32), task], -1))
        fused = nn.elu(state + action_task)  # [B, (N,) F]
        hidden = torsos.LayerNormMLP(self.head_hidden_sizes)(fused)
        return nn.Dense(1)(hidden)[..., 0]  # [B] or [B, N]


def make_q_network(config: QtOptConfig) -> QNetwork:
    resnet = torsos.resnet_spec(config.resnet_preset) if config.resnet_preset else None
    return QNetwork(config.observation_keys, config.num_tasks, config.torso_hidden_sizes,
                    config.head_hidden_sizes, resnet)


def q_values(network: QNetwork, params, observation: Mapping[str, jax.Array], action: jax.Array,
             task_id: jax.Array) -> jax.Array:
    """Q as a probability: sigmoid of the network's logit. [B] or [B, N]"""
    return jax.nn.sigmoid(network.apply(params, observation, action, task_id))
