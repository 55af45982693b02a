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
