"""MT-Opt Q-network: Q(s, a, task) with a single sigmoid head.

As in MT-Opt (Fig. 9): state features come from a torso (MLP over vectors,
ResNet over camera images); the action and the task one-hot go through a
dense layer and are added to the state features; an MLP head maps the fused
features to one logit, Q = sigmoid(logit). A single head conditioned on the
task id did better than per-task heads in MT-Opt.

Actions enter rescaled from the environment's box [action_min, action_max] to [-1, 1]:
RGB-Stacking's raw actions mix velocities of +-0.07 m/s with a gripper command of +-1, and
unscaled, the velocities barely move the first layer.
"""

from typing import Mapping, Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from chef.agents.qtopt.config import QtOptConfig
from chef.networks import torsos


class QNetwork(nn.Module):
    """(observation, action, task_id) -> Q logit.

    Shapes: observation {name: [B, ...]}, task_id [B] int; action [B, A]
    gives logits [B], action [B, N, A] (N candidate actions per state, as in
    CEM) gives logits [B, N] with the torso evaluated once per state.
    `action_min` / `action_max` [A]: the box mapped to [-1, 1]; empty = actions as given.
    """

    observation_keys: Sequence[str]
    num_tasks: int
    torso_hidden_sizes: Sequence[int] = (256, 256)
    head_hidden_sizes: Sequence[int] = (256, 256)
    resnet: torsos.ResNetSpec | None = None
    action_min: Sequence[float] = ()
    action_max: Sequence[float] = ()
    vector_mean: Sequence[float] = ()  # Standardisation of the vector inputs (torsos.ObservationTorso).
    vector_std: Sequence[float] = ()

    def scaled(self, action: jax.Array) -> jax.Array:
        """[..., A] in the action box -> [..., A] in [-1, 1]."""
        action = action.astype(jnp.float32)
        if not len(self.action_min):
            return action
        low, high = jnp.asarray(self.action_min, jnp.float32), jnp.asarray(self.action_max, jnp.float32)
        return 2.0 * (action - low) / (high - low) - 1.0

    @nn.compact
    def __call__(self, observation: Mapping[str, jax.Array], action: jax.Array, task_id: jax.Array) -> jax.Array:
        state = torsos.ObservationTorso(
            self.observation_keys, self.torso_hidden_sizes, self.resnet, self.vector_mean, self.vector_std
        )(observation)  # [B, F]
        task = jax.nn.one_hot(task_id, self.num_tasks)  # [B, T]
        if action.ndim == 3:  # [B, N, A]: broadcast per-state inputs over the N candidates.
            state = state[:, None]  # [B, 1, F]
            task = jnp.broadcast_to(task[:, None], action.shape[:2] + task.shape[-1:])  # [B, N, T]
        action_task = nn.Dense(state.shape[-1])(jnp.concatenate([self.scaled(action), task], -1))
        fused = nn.elu(state + action_task)  # [B, (N,) F]
        hidden = torsos.LayerNormMLP(self.head_hidden_sizes)(fused)
        return nn.Dense(1)(hidden)[..., 0]  # [B] or [B, N]


def make_q_network(
    config: QtOptConfig,
    action_min: np.ndarray | None = None,
    action_max: np.ndarray | None = None,
    vector_statistics: tuple[Sequence[float], Sequence[float]] = ((), ()),
) -> QNetwork:
    """The config's network; with bounds [A], actions are rescaled to [-1, 1] inside it; with
    `vector_statistics` (mean, std) [F] (`inputs.vector_statistics`), vector inputs are standardised."""
    resnet = torsos.resnet_spec(config.resnet_preset) if config.resnet_preset else None
    bounds = ((), ()) if action_min is None else (tuple(map(float, action_min)), tuple(map(float, action_max)))
    mean, std = (tuple(map(float, v)) for v in vector_statistics)
    return QNetwork(
        config.observation_keys,
        config.num_tasks,
        config.torso_hidden_sizes,
        config.head_hidden_sizes,
        resnet,
        *bounds,
        mean,
        std,
    )


def q_values(
    network: QNetwork, params, observation: Mapping[str, jax.Array], action: jax.Array, task_id: jax.Array
) -> jax.Array:
    """Q as a probability: sigmoid of the network's logit. [B] or [B, N]"""
    return jax.nn.sigmoid(network.apply(params, observation, action, task_id))
