import numpy as np
import pytest

from chef.agents.qtopt.config import QtOptConfig
from chef.mtopt import bc_reference
from chef.mtopt.episodes import EpisodeTable
from chef.mtopt.training import GridConfig
from chef.networks import inputs
from chef.utils.config import ConfigError

KEY = "sawyer/pinch/pose"
LOW, HIGH = np.array([-0.1, 0.0], np.float32), np.array([0.1, 2.0], np.float32)


def _table(num_episodes: int = 4, length: int = 5, seed: int = 0) -> EpisodeTable:
    """Episodes whose action is a fixed function of the observation: a = box(tanh(x0), x1 > 0)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(num_episodes * length, 3)).astype(np.float32)
    canonical = np.stack([np.tanh(x[:, 0]), np.where(x[:, 1] > 0, 0.5, -0.5)], -1)
    actions = (LOW + (canonical + 1) / 2 * (HIGH - LOW)).astype(np.float32)
    return EpisodeTable(
        {KEY: x},
        actions,
        np.arange(num_episodes) * length,
        np.full(num_episodes, length),
        ("lift-any",) * num_episodes,
        np.zeros((num_episodes, 1), bool),
        np.zeros(num_episodes, np.int64),  # chain seeds
    )


def test_success_steps_draw_only_the_acting_steps_of_the_given_episodes_in_canonical_units():
    table = _table()
    steps = bc_reference.SuccessSteps(table, [1, 3], 200, LOW, HIGH, np.random.default_rng(0))
    batch = next(steps)
    index = [int(np.flatnonzero((table.observations[KEY] == o).all(-1))[0]) for o in batch.observation[KEY]]
    assert set(index) == {5, 6, 7, 8, 15, 16, 17, 18}  # Not the last step of an episode, nor episodes 0 and 2.
    np.testing.assert_allclose(
        batch.action[:, 1], np.where(table.observations[KEY][index, 1] > 0, 0.5, -0.5), atol=1e-6
    )
    assert np.all(np.abs(batch.action) <= 1.0)


def test_cloned_policy_reproduces_the_data_and_acts_in_the_action_box():
    table = _table(num_episodes=40)
    qtopt = QtOptConfig(observation_keys=(KEY,), torso_hidden_sizes=(64,), head_hidden_sizes=(64,), batch_size=64)
    statistics = inputs.vector_statistics(table.observations, (KEY,))
    policy = bc_reference.train_task_policy(
        table,
        list(range(40)),
        qtopt,
        num_steps=600,
        learning_rate=3e-3,
        action_min=LOW,
        action_max=HIGH,
        statistics=statistics,
        seed=0,
    )
    test = _table(num_episodes=4, seed=1)
    actions = np.stack([policy({KEY: o}) for o in test.observations[KEY]])
    assert np.all(actions >= LOW) and np.all(actions <= HIGH)
    assert np.abs(actions - test.actions).mean(0)[1] < 0.2  # The gripper column (range 2) within 10 %.
    assert np.corrcoef(actions[:, 0], test.actions[:, 0])[0, 1] > 0.9


def test_grid_without_strategies_needs_the_bc_row():
    assert GridConfig(strategies=(), bc_steps=10).strategies == ()
    with pytest.raises(ConfigError, match="non-empty unless bc_steps > 0"):
        GridConfig(strategies=())
