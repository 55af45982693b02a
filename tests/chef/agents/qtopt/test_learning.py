"""QT-Opt must learn two sparse-reward point-reaching tasks from shared random data."""

import jax
import numpy as np
import pytest

from chef import types
from chef.agents.qtopt import actor as actor_lib
from chef.agents.qtopt import cem, learning, networks
from chef.agents.qtopt.builder import QtOptBuilder
from chef.agents.qtopt.config import CemConfig, QtOptConfig
from chef.mtopt import impersonation, rebalancing
from chef.mtopt.tasks import TaskFamily, TaskSpec
from chef.utils.config import ConfigError

GOALS = np.array([[0.5, 0.5], [-0.5, -0.5]], np.float32)  # One goal per task.
RADIUS, HORIZON, STEP_SIZE, GAMMA = 0.2, 2, 0.5, 0.9
ACTION_MIN, ACTION_MAX = -np.ones(2, np.float32), np.ones(2, np.float32)
FAMILY = TaskFamily([TaskSpec(f"reach_{i}", "reach", lambda s, i=i: s["success"][i]) for i in range(2)])


def _observation(position, steps_left):  # [..., 2], [...] -> {name: [..., F]}
    return {"position": position.astype(np.float32), "steps_left": np.asarray(steps_left, np.float32)[..., None]}


def _move(position, action):
    return np.clip(position + STEP_SIZE * np.clip(action, -1, 1), -1, 1)


def _successes(final_position):  # [N, 2] -> [N, T]
    return np.linalg.norm(final_position[:, None] - GOALS[None], axis=-1) <= RADIUS


def _random_episodes(rng, num):  # positions [N, H + 1, 2], actions [N, H, 2]
    positions = [rng.uniform(-0.5, 0.5, size=(num, 2))]
    actions = rng.uniform(-1, 1, size=(num, HORIZON, 2))
    for t in range(HORIZON):
        positions.append(_move(positions[-1], actions[:, t]))
    return np.stack(positions, 1).astype(np.float32), actions.astype(np.float32)


def _batches(positions, actions, sampler, rng, batch_size):
    """Re-balanced (episode, task) pairs -> one random transition of each, task reward."""
    success = _successes(positions[:, -1])  # [N, T]
    while True:
        pairs = sampler.sample(batch_size)
        episode, task = pairs.episode_ids, pairs.task_ids
        t = rng.integers(0, HORIZON, size=batch_size)
        last = t == HORIZON - 1
        yield types.Transition(
            observation=_observation(positions[episode, t], HORIZON - t),
            action=actions[episode, t],
            reward=(last & success[episode, task]).astype(np.float32),
            discount=np.where(last, 0.0, GAMMA).astype(np.float32),
            next_observation=_observation(positions[episode, t + 1], HORIZON - t - 1),
            extras={learning.TASK_ID: task},
        )


def _success_rate(actor, task_id, rng, num=100):
    actor.task_id = task_id
    hits = 0
    for _ in range(num):
        position = rng.uniform(-0.5, 0.5, size=2)
        for t in range(HORIZON):
            position = _move(position, actor.select_action(_observation(position, HORIZON - t)))
        hits += bool(_successes(position[None])[0, task_id])
    return hits / num


def test_qtopt_learns_both_tasks_from_shared_data():
    rng = np.random.default_rng(0)
    positions, actions = _random_episodes(rng, 4000)
    labels = _successes(positions[:, -1])
    random_rate = labels.mean(0)  # [T]
    episodes = [
        impersonation.EpisodeRecord(i, FAMILY.names[i % 2], dict(zip(FAMILY.names, labels[i])))
        for i in range(len(labels))
    ]
    pools = impersonation.f_all(episodes, FAMILY)
    sampler = rebalancing.RebalancedSampler(pools, success_fraction=0.5, rng=rng)
    config = QtOptConfig(
        observation_keys=("position", "steps_left"),
        num_tasks=2,
        torso_hidden_sizes=(64,),
        head_hidden_sizes=(64, 64),
        learning_rate=3e-3,
        batch_size=64,
        target_tau=0.05,
        lagged_target_period=50,
        cem=CemConfig(num_samples=32, num_elites=4),
    )
    builder = QtOptBuilder(config, ACTION_MIN, ACTION_MAX)
    batches = _batches(positions, actions, sampler, rng, config.batch_size)
    learner = builder.make_learner(
        builder.make_network(), batches, _observation(positions[0, 0], HORIZON), jax.random.PRNGKey(0)
    )
    first = float(learner.step()["loss"])
    learner.run(1500)
    metrics = jax.device_get(learner.step())
    assert metrics["loss"] < first
    actor = actor_lib.QtOptActor(
        learner.network, learner, ACTION_MIN, ACTION_MAX, config.cem, task_id=0, epsilon=0.0, seed=1
    )
    rates = [_success_rate(actor, task, np.random.default_rng(2)) for task in range(2)]
    assert max(random_rate) < 0.15
    assert min(rates) > 0.7, (rates, random_rate)


def test_learner_rejects_batches_without_task_ids():
    transition = types.Transition(
        {"position": np.zeros((1, 2), np.float32)},
        np.zeros((1, 2), np.float32),
        np.zeros(1, np.float32),
        np.ones(1, np.float32),
        {"position": np.zeros((1, 2), np.float32)},
    )
    config = QtOptConfig(observation_keys=("position",), torso_hidden_sizes=(8,), head_hidden_sizes=(8,))
    builder = QtOptBuilder(config, ACTION_MIN, ACTION_MAX)
    learner = builder.make_learner(
        builder.make_network(), iter([transition]), {"position": np.zeros(2)}, jax.random.PRNGKey(0)
    )
    with pytest.raises(ValueError, match="extras\\['task_id'\\]"):
        learner.step()
    with pytest.raises(ValueError, match="valid names"):
        learner.get_variables(["policy"])


def test_select_task_reward_picks_each_examples_task():
    transition = types.Transition(
        {}, np.zeros((3, 1)), np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), np.ones(3), {}, extras={"other": 1}
    )
    selected = learning.select_task_reward(transition, np.array([1, 0, 1]))
    np.testing.assert_array_equal(selected.reward, [2.0, 3.0, 6.0])
    assert selected.extras == {"other": 1, "task_id": selected.extras["task_id"]}
    np.testing.assert_array_equal(selected.extras["task_id"], [1, 0, 1])


DATA_ACTION = np.array([0.5, 0.5], np.float32)


def _one_action_batches(rng, success_probability: float, batch_size: int = 64):
    """One-step episodes from random positions; every one takes action ~DATA_ACTION and succeeds
    with `success_probability`, whatever the action."""
    while True:
        position = rng.uniform(-0.5, 0.5, size=(batch_size, 2)).astype(np.float32)
        action = (DATA_ACTION + 0.05 * rng.standard_normal((batch_size, 2))).astype(np.float32)
        yield types.Transition(
            _observation(position, np.ones(batch_size)),
            action,
            (rng.uniform(size=batch_size) < success_probability).astype(np.float32),
            np.zeros(batch_size, np.float32),
            _observation(position, np.zeros(batch_size)),
            extras={learning.TASK_ID: np.zeros(batch_size, np.int32)},
        )


def _one_action_q(rng, success_probability: float, weight: float, actions: str = "uniform"):
    """Trains 300 steps on `_one_action_batches`; returns a held-out batch of 256 and its Q function
    (actions [256, A] or [256, N, A] -> Q [256] or [256, N])."""
    config = QtOptConfig(
        observation_keys=("position", "steps_left"),
        num_tasks=1,
        torso_hidden_sizes=(32,),
        head_hidden_sizes=(32,),
        learning_rate=3e-3,
        conservative_weight=weight,
        conservative_actions=actions,
        cem=CemConfig(num_samples=16, num_elites=4),
    )
    builder = QtOptBuilder(config, ACTION_MIN, ACTION_MAX)
    learner = builder.make_learner(
        builder.make_network(),
        _one_action_batches(rng, success_probability),
        _observation(np.zeros(2), 1),
        jax.random.PRNGKey(0),
    )
    learner.run(300)
    batch = next(_one_action_batches(rng, success_probability, 256))
    params = learner.get_variables(["q_network"])[0]
    task_id = batch.extras[learning.TASK_ID]
    return batch, lambda action: np.asarray(
        networks.q_values(learner.network, params, batch.observation, action, task_id)
    )


def test_conservative_penalty_lowers_q_away_from_the_data_actions():
    """Every transition takes action ~(0.5, 0.5) and succeeds: Q must learn to prefer that action
    over the rest of the box only when the conservative penalty is on."""
    rng = np.random.default_rng(0)
    profiles = []
    for weight in (0.0, 1.0):
        batch, q = _one_action_q(rng, 1.0, weight)
        random = rng.uniform(-1, 1, size=(256, 32, 2)).astype(np.float32)
        profiles.append((q(batch.action).mean(), q(random).mean()))
    (data_plain, random_plain), (data_conservative, random_conservative) = profiles
    assert data_plain > 0.9 and random_plain > 0.8  # Plain Bellman loss: success everywhere.
    assert data_conservative > 0.9 and random_conservative < 0.6


def test_conservative_penalty_at_cem_actions_keeps_the_maximiser_at_the_data():
    """Every transition takes action ~(0.5, 0.5) and succeeds with probability 1/2 whatever the
    action. The plain learner's CEM maximiser lies far from the data, where Q extrapolates above
    the data's value; with the penalty at CEM's maximiser (conservative_actions='cem'), the
    maximiser is the data's action and Q there stays at the success rate."""
    rng = np.random.default_rng(0)
    profiles = {}
    for weight, actions in ((0.0, "uniform"), (1.0, "cem")):
        batch, q = _one_action_q(rng, 0.5, weight, actions)
        greedy, q_greedy = cem.cem_maximize(q, jax.random.PRNGKey(1), 256, ACTION_MIN, ACTION_MAX, CemConfig())
        distance = np.linalg.norm(np.asarray(greedy) - DATA_ACTION, axis=-1).mean()
        profiles[actions] = (float(q(batch.action).mean()), float(np.mean(q_greedy)), float(distance))
    (data_plain, greedy_plain, distance_plain), (data_cem, greedy_cem, distance_cem) = profiles.values()
    assert distance_plain > 1.0 and greedy_plain > data_plain + 0.02, profiles  # Exploited extrapolation.
    assert distance_cem < 0.25 and greedy_cem < data_cem + 0.01, profiles
    assert abs(data_cem - 0.5) < 0.1, profiles


def test_conservative_settings_are_validated():
    with pytest.raises(ConfigError, match="conservative_weight"):
        QtOptConfig(observation_keys=("x",), conservative_weight=-1.0)
    with pytest.raises(ConfigError, match="conservative_samples"):
        QtOptConfig(observation_keys=("x",), conservative_samples=0)
    with pytest.raises(ConfigError, match="conservative_actions"):
        QtOptConfig(observation_keys=("x",), conservative_actions="policy")
