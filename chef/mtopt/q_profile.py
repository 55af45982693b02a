"""How a trained multi-task Q-function ranks actions on a batch of (state, task) pairs.

Offline QT-Opt fails when CEM finds actions the data never tried that the network values above
the data's own: the greedy policy then follows over-estimates. `q_profile` compares Q at the
data's actions, at uniformly random actions and at CEM's choice, and how far CEM's choice lies
from the data's action. `horizontal_direction_profile` asks whether Q prefers moving towards a
place that is known to be right (an object to grasp) over moving elsewhere.
"""

from typing import Callable

import jax
import numpy as np

from chef import types
from chef.agents.qtopt import cem, networks
from chef.agents.qtopt.config import CemConfig
from chef.agents.qtopt.learning import TASK_ID

QFunction = Callable[[types.Observation, jax.Array, jax.Array], jax.Array]
"""(observation {name: [B, ...]}, actions [B, A] | [B, N, A], task_id [B]) -> Q [B] | [B, N]."""


def network_q_function(network: networks.QNetwork, params: types.Params) -> QFunction:
    return lambda observation, actions, task_id: networks.q_values(network, params, observation, actions, task_id)


def q_profile(
    q_function: QFunction,
    batch: types.Transition,
    action_min: np.ndarray,
    action_max: np.ndarray,
    cem_config: CemConfig,
    key: jax.Array,
    num_random: int = 64,
) -> dict[str, float]:
    """Batch means of:
    q_data (Q at the data's action), q_random (at uniform actions in the box, CEM's binary
    dimensions at their bounds), q_random_spread (std of Q over those actions, per state), q_cem
    (at CEM's maximiser), data_above_random (share of random actions the data's action beats) and
    cem_distance (mean |a_cem - a_data| per dimension, in units of the half-width of the box:
    0 = same action, 2 = opposite corners).
    """
    task_id = batch.extras[TASK_ID]  # [B]
    batch_size = len(task_id)
    low, high = np.asarray(action_min, np.float32), np.asarray(action_max, np.float32)
    random_key, cem_key = jax.random.split(key)

    def score(actions):  # [B, N, A] -> [B, N]
        return q_function(batch.observation, actions, task_id)

    q_data = np.asarray(q_function(batch.observation, batch.action, task_id))  # [B]
    random_actions = cem.snap_binary(
        jax.random.uniform(random_key, (batch_size, num_random, len(low)), minval=low, maxval=high),
        low,
        high,
        cem_config.binary_dims,
    )
    q_random = np.asarray(score(random_actions))  # [B, R]
    cem_actions, q_cem = cem.cem_maximize(score, cem_key, batch_size, low, high, cem_config)  # [B, A], [B]
    distance = np.abs(np.asarray(cem_actions) - batch.action) * 2.0 / (high - low)  # [B, A]
    return {
        "q_data": float(q_data.mean()),
        "q_random": float(q_random.mean()),
        "q_random_spread": float(q_random.std(axis=1).mean()),
        "q_cem": float(np.mean(q_cem)),
        "data_above_random": float((q_data[:, None] > q_random).mean()),
        "cem_distance": float(distance.mean()),
    }


FLAT_SPREAD = 1e-5  # Q's spread over directions below which its ranking is float32 rounding.


def horizontal_direction_profile(
    q_function: QFunction,
    observation: types.Observation,
    actions: np.ndarray,
    task_id: np.ndarray,
    toward: np.ndarray,
    speed: float,
    num_directions: int = 72,
) -> dict[str, np.ndarray]:
    """How Q ranks the direction of horizontal motion, per state.

    Each state's action [B, A] (its first two dimensions the horizontal velocity) is scored with
    those two replaced by `num_directions` directions at `speed`, the other dimensions kept.
    `toward` [B, 2]: the horizontal direction that is right (e.g. from the gripper to the object).
    Returns per state [B]: argmax_cosine (cosine between `toward` and Q's best direction),
    correlation (Pearson, over the directions, between Q and their cosine with `toward`; 0 where Q's
    spread is below `FLAT_SPREAD`, float32 rounding near saturation) and spread (Q's max - min over
    the directions).
    """
    angles = np.linspace(0.0, 2.0 * np.pi, num_directions, endpoint=False)
    ring = np.stack([np.cos(angles), np.sin(angles)], -1)  # [D, 2]
    candidates = np.repeat(np.asarray(actions, np.float32)[:, None], num_directions, axis=1)  # [B, D, A]
    candidates[..., :2] = speed * ring
    q = np.asarray(q_function(observation, candidates, task_id))  # [B, D]
    unit = toward / np.maximum(np.linalg.norm(toward, axis=-1, keepdims=True), 1e-9)  # [B, 2]
    cosine = unit @ ring.T  # [B, D]
    centred_q, centred_cosine = q - q.mean(1, keepdims=True), cosine - cosine.mean(1, keepdims=True)
    scale = np.linalg.norm(centred_q, axis=1) * np.linalg.norm(centred_cosine, axis=1)
    spread = q.max(1) - q.min(1)
    flat = spread < FLAT_SPREAD
    correlation = np.where(flat, 0.0, (centred_q * centred_cosine).sum(1) / np.maximum(scale, 1e-12))
    return {
        "argmax_cosine": np.take_along_axis(cosine, q.argmax(1)[:, None], 1)[:, 0],
        "correlation": correlation,
        "spread": spread,
    }
