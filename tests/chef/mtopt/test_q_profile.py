import jax
import jax.numpy as jnp
import numpy as np
import pytest

from chef import types
from chef.agents.qtopt.config import CemConfig
from chef.agents.qtopt.learning import TASK_ID
from chef.mtopt import q_profile

LOW, HIGH = np.array([-1.0, 0.0], np.float32), np.array([1.0, 4.0], np.float32)
PEAK = np.array([0.5, 3.0], np.float32)


def _q(observation, actions, task_id):  # Peaks at PEAK whatever the state; [B, A] | [B, N, A].
    del observation, task_id
    return jax.nn.sigmoid(2.0 - 4.0 * jnp.sum(jnp.square((actions - PEAK) / (HIGH - LOW)), axis=-1))


def _batch(action: np.ndarray, size: int = 256) -> types.Transition:
    return types.Transition(
        {"x": np.zeros((size, 1), np.float32)},
        np.tile(action, (size, 1)),
        (),
        (),
        {},
        extras={TASK_ID: np.zeros(size, np.int32)},
    )


@pytest.mark.parametrize("data_action, data_is_best", [(PEAK, True), (np.array([-1.0, 0.0], np.float32), False)])
def test_profile_tells_data_actions_at_the_peak_from_ones_cem_moves_away_from(data_action, data_is_best):
    profile = q_profile.q_profile(
        _q,
        _batch(data_action),
        LOW,
        HIGH,
        CemConfig(num_samples=64, num_elites=6, num_iterations=3),
        jax.random.PRNGKey(0),
    )
    assert profile["q_random_spread"] > 0.05
    assert profile["q_cem"] > profile["q_random"]
    if data_is_best:
        assert profile["data_above_random"] > 0.99 and profile["q_data"] >= profile["q_cem"] - 1e-6
        assert profile["cem_distance"] < 0.15
    else:
        assert profile["data_above_random"] < 0.05 and profile["q_cem"] > profile["q_data"] + 0.3
        # CEM lands near the peak, 1.5 half-widths from the data's corner in both dimensions.
        assert 1.35 < profile["cem_distance"] < 1.65


def _toward_goal_q(observation, actions, task_id):
    """Rises with the velocity along the state's goal, times the kept third action dimension."""
    del task_id
    along = jnp.sum(actions[..., :2] * observation["goal"][:, None], axis=-1)  # [B, N]
    return jax.nn.sigmoid(actions[..., 2] * along)


def test_horizontal_profile_finds_the_direction_q_prefers_in_each_state():
    angles = np.array([0.0, 2.0, -2.5])
    goal = np.stack([np.cos(angles), np.sin(angles)], -1).astype(np.float32)  # [3, 2], unit
    # The third dimension flips Q's preference in the last state: its best direction is away from the goal.
    actions = np.array([[0.1, -0.1, 1.0, 0.0, 1.0], [0.0, 0.3, 1.0, 0.2, -1.0], [0.2, 0.2, -1.0, 0.0, 1.0]], np.float32)
    profile = q_profile.horizontal_direction_profile(
        _toward_goal_q, {"goal": goal}, actions, np.zeros(3, np.int32), toward=0.05 * goal, speed=0.5
    )
    np.testing.assert_allclose(profile["argmax_cosine"], [1.0, 1.0, -1.0], atol=1e-3)
    np.testing.assert_allclose(np.sign(profile["correlation"]), [1.0, 1.0, -1.0])
    assert np.all(np.abs(profile["correlation"]) > 0.99)
    # Over directions at speed 0.5, Q runs from sigmoid(-0.5) to sigmoid(0.5).
    np.testing.assert_allclose(profile["spread"], jax.nn.sigmoid(0.5) - jax.nn.sigmoid(-0.5), atol=1e-3)


def test_horizontal_profile_of_a_q_blind_to_horizontal_motion_is_flat():
    def vertical_q(observation, actions, task_id):
        del observation, task_id
        return jax.nn.sigmoid(-actions[..., 2])

    profile = q_profile.horizontal_direction_profile(
        vertical_q, {}, np.zeros((2, 5), np.float32), np.zeros(2, np.int32), np.ones((2, 2)), 1.0
    )
    np.testing.assert_allclose(profile["spread"], 0.0, atol=1e-6)
    np.testing.assert_allclose(profile["correlation"], 0.0)
