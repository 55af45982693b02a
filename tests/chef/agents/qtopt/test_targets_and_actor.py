import jax
import numpy as np
import pytest

from chef import types
from chef.agents.qtopt import actor as actor_lib
from chef.agents.qtopt.builder import QtOptBuilder
from chef.agents.qtopt.config import CemConfig, QtOptConfig
from chef.utils.metrics import MetricsWriter, read_metrics

ACTION_MIN, ACTION_MAX = np.array([-1.0, 0.0], np.float32), np.array([1.0, 0.5], np.float32)
CONFIG = QtOptConfig(
    observation_keys=("x",),
    num_tasks=2,
    torso_hidden_sizes=(8,),
    head_hidden_sizes=(8,),
    learning_rate=1e-2,
    target_tau=0.5,
    lagged_target_period=3,
    cem=CemConfig(num_samples=8, num_elites=2),
)


def _batches():
    rng = np.random.default_rng(0)
    while True:
        yield types.Transition(
            {"x": rng.normal(size=(4, 3)).astype(np.float32)},
            rng.uniform(ACTION_MIN, ACTION_MAX, size=(4, 2)).astype(np.float32),
            np.array([1, 0, 1, 0], np.float32),
            np.full(4, 0.9, np.float32),
            {"x": rng.normal(size=(4, 3)).astype(np.float32)},
            extras={"task_id": np.array([0, 1, 1, 0], np.int32)},
        )


BUILDER = QtOptBuilder(CONFIG, ACTION_MIN, ACTION_MAX)


def _learner(**kwargs):
    return BUILDER.make_learner(BUILDER.make_network(), _batches(), {"x": np.zeros(3)}, jax.random.PRNGKey(0), **kwargs)


def _leaves(tree):
    return np.concatenate([np.ravel(x) for x in jax.tree_util.tree_leaves(tree)])


def test_polyak_and_lagged_targets():
    learner = _learner()
    initial = _leaves(learner.save().params)
    states = []
    for _ in range(3):
        learner.step()
        states.append(learner.save())
    first = states[0]
    np.testing.assert_allclose(
        _leaves(first.target_params), 0.5 * _leaves(first.params) + 0.5 * initial, rtol=1e-5, atol=1e-7
    )
    np.testing.assert_array_equal(_leaves(states[1].lagged_target_params), initial)  # Not yet refreshed.
    np.testing.assert_array_equal(_leaves(states[2].lagged_target_params), _leaves(states[2].target_params))
    assert int(states[2].steps) == 3


def test_save_restore_round_trip():
    learner = _learner()
    learner.step()
    saved = learner.save()
    learner.run(2)
    assert not np.allclose(_leaves(learner.get_variables(["q_network"])[0]), _leaves(saved.params))
    learner.restore(saved)
    np.testing.assert_array_equal(_leaves(learner.get_variables(["q_network"])[0]), _leaves(saved.params))


def test_actor_explores_in_the_box_and_follows_the_variable_source():
    learner = _learner()
    observation = {"x": np.ones(3, np.float32)}
    explorer = actor_lib.QtOptActor(
        learner.network, learner, ACTION_MIN, ACTION_MAX, CONFIG.cem, task_id=1, epsilon=1.0, seed=0
    )
    actions = np.stack([explorer.select_action(observation) for _ in range(50)])
    assert np.all(actions >= ACTION_MIN) and np.all(actions <= ACTION_MAX) and actions.std(0).min() > 0.1
    assert actions.dtype == np.float32
    switch = actor_lib.QtOptActor(
        learner.network,
        learner,
        ACTION_MIN,
        ACTION_MAX,
        CemConfig(num_samples=8, num_elites=2, binary_dims=(1,)),
        task_id=1,
        epsilon=1.0,
        seed=0,
    )
    switched = np.stack([switch.select_action(observation) for _ in range(50)])
    assert set(np.unique(switched[:, 1])) == {0.0, 0.5} and switched[:, 0].std() > 0.1
    greedy = actor_lib.QtOptActor(
        learner.network, learner, ACTION_MIN, ACTION_MAX, CONFIG.cem, task_id=1, epsilon=0.0, seed=0
    )
    action = greedy.select_action(observation)
    assert action.shape == (2,) and np.all(action >= ACTION_MIN) and np.all(action <= ACTION_MAX)
    learner.run(3)
    before = _leaves(greedy._params)
    greedy.update()
    assert not np.allclose(before, _leaves(greedy._params))
    with pytest.raises(ValueError, match="epsilon"):
        actor_lib.QtOptActor(learner.network, learner, ACTION_MIN, ACTION_MAX, CONFIG.cem, 0, 1.5, 0)


def test_learner_writes_metrics(tmp_path):
    writer = MetricsWriter(tmp_path)
    learner = _learner(metrics=writer, log_every=2)
    learner.run(4)
    writer.close()
    rows = read_metrics(writer.path)
    assert [r["step"] for r in rows] == [2, 4]
    assert all(0.0 < r["q_mean"] < 1.0 and np.isfinite(r["loss"]) for r in rows)
