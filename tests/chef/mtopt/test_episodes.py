import dataclasses

import numpy as np
import pytest

from chef.agents.qtopt.learning import TASK_ID
from chef.mtopt import ablation, terminate
from chef.mtopt.episodes import EpisodeTable, TransitionBatches
from chef.mtopt.impersonation import f_skill
from chef.mtopt.rebalancing import SampledPairs
from chef.mtopt.tasks import TaskFamily, TaskSpec

FAMILY = TaskFamily([TaskSpec("a1", "A", bool), TaskSpec("a2", "A", bool), TaskSpec("b1", "B", bool)])


def _table() -> EpisodeTable:
    # Episode 0: steps 0-2 (2 transitions), episode 1: steps 3-6 (3 transitions).
    return EpisodeTable(
        observations={"x": np.arange(7, dtype=np.float32)[:, None]},
        actions=np.arange(7, dtype=np.float32)[:, None] * 10,
        starts=np.array([0, 3]),
        lengths=np.array([3, 4]),
        collected_for=("a1", "b1"),
        labels=np.array([[True, False, False], [False, True, True]]),
        chain_seeds=np.array([0, 1]),
    )


class _FixedPairs:
    def __init__(self, episodes, tasks):
        self._pairs = SampledPairs(np.asarray(episodes), np.asarray(tasks, np.int32), np.zeros(len(tasks), bool))

    def sample(self, batch_size):
        assert batch_size == len(self._pairs.episode_ids)
        return self._pairs


def test_deadline_batches_have_sparse_reward_at_the_episode_end():
    table = _table()
    batches = TransitionBatches(
        table,
        _FixedPairs([0] * 50 + [1] * 50, [0] * 50 + [1] * 50),
        100,
        0.9,
        np.random.default_rng(0),
        episode_end="deadline",
    )
    batch = next(batches)
    x, next_x = batch.observation["x"][:, 0], batch.next_observation["x"][:, 0]
    np.testing.assert_array_equal(next_x, x + 1)
    np.testing.assert_array_equal(batch.action[:, 0], x * 10)
    last = np.isin(x, [1, 5])  # The last transition of each episode.
    assert set(x[:50]) == {0, 1} and set(x[50:]) == {3, 4, 5}
    np.testing.assert_array_equal(batch.discount, np.where(last, 0.0, 0.9).astype(np.float32))
    # Episode 0 succeeds at a1 (task 0), episode 1 at a2 (task 1): reward 1 on their last transitions.
    np.testing.assert_array_equal(batch.reward, last.astype(np.float32))
    np.testing.assert_array_equal(batch.extras[TASK_ID], [0] * 50 + [1] * 50)


def test_terminate_examples_are_judged_at_their_own_step():
    # Per-step labels of task a1 (column 0): true at steps 1 and 4 only.
    step_labels = np.zeros((7, 3), bool)
    step_labels[[1, 4], 0] = True
    table = dataclasses.replace(_table(), step_labels=step_labels)
    batches = TransitionBatches(
        table,
        _FixedPairs([0] * 500 + [1] * 500, [0] * 1000),
        1000,
        0.9,
        np.random.default_rng(0),
        terminate_fraction=0.25,
        episode_end="deadline",
    )
    batch = next(batches)
    x, switch = batch.observation["x"][:, 0].astype(int), batch.action[:, -1]
    ends = switch == terminate.TERMINATE
    assert set(switch) == {terminate.TERMINATE, terminate.CONTINUE}
    assert 0.2 < ends.mean() < 0.3
    np.testing.assert_array_equal(batch.action[:, 0], x * 10)  # The data's action, then the switch.
    # Terminating: the step's own label, no bootstrap.
    np.testing.assert_array_equal(batch.reward[ends], step_labels[x[ends], 0].astype(np.float32))
    np.testing.assert_array_equal(batch.discount[ends], 0.0)
    # Continuing: the sparse episode-end reward as without the switch (episode 0 succeeds at a1).
    last = np.isin(x, [1, 5])
    np.testing.assert_array_equal(batch.reward[~ends], (last & (x < 3))[~ends].astype(np.float32))
    np.testing.assert_allclose(batch.discount[~ends], np.where(last, 0.0, 0.9)[~ends])
    np.testing.assert_array_equal(batch.next_observation["x"][~ends, 0], x[~ends] + 1)

    with pytest.raises(ValueError, match="step_labels"):
        TransitionBatches(_table(), _FixedPairs([0], [0]), 1, 0.9, np.random.default_rng(0), 0.5, "deadline")
    with pytest.raises(ValueError, match="step_labels"):
        TransitionBatches(_table(), _FixedPairs([0], [0]), 1, 0.9, np.random.default_rng(0))  # 'success'
    with pytest.raises(ValueError, match="episode_end"):
        TransitionBatches(table, _FixedPairs([0], [0]), 1, 0.9, np.random.default_rng(0), episode_end="never")
    with pytest.raises(ValueError, match="terminate_fraction"):
        TransitionBatches(table, _FixedPairs([0], [0]), 1, 0.9, np.random.default_rng(0), 1.0)


def test_success_batches_reward_each_first_arrival_and_bootstrap_a_cut_failure():
    # Task a1 (column 0) holds at steps 2 (episode 0's last) and 5 (inside episode 1); a2 never.
    step_labels = np.zeros((7, 3), bool)
    step_labels[[2, 5], 0] = True
    table = dataclasses.replace(_table(), step_labels=step_labels)
    pairs = _FixedPairs([0] * 200 + [1] * 200 + [1] * 200, [0] * 400 + [1] * 200)
    batch = next(TransitionBatches(table, pairs, 600, 0.9, np.random.default_rng(0)))
    x, task = batch.observation["x"][:, 0].astype(int), batch.extras[TASK_ID]
    np.testing.assert_array_equal(batch.next_observation["x"][:, 0], x + 1)
    reached = (task == 0) & np.isin(x + 1, [2, 5])  # Transitions into a state where a1 holds.
    assert set(x[reached]) == {1, 4} and set(x[:400]) == {0, 1, 3, 4, 5}
    np.testing.assert_array_equal(batch.reward, reached.astype(np.float32))
    np.testing.assert_allclose(batch.discount, np.where(reached, 0.0, 0.9))
    # a2 never holds: every transition bootstraps, episode 1's last (5 -> 6, cut at the limit) too.
    assert (task == 1).sum() == 200 and np.all(batch.discount[task == 1] == np.float32(0.9))
    # Detector labels replace the episodes' last-step labels: episode 1 now ends in an a2 success.
    relabelled = table.with_labels(np.array([[True, False, False], [False, True, False]]))
    assert relabelled.step_labels[6, 1] and not relabelled.step_labels[6, 0] and relabelled.step_labels[5, 0]
    assert not table.step_labels[6, 1]  # The original table is unchanged.


def test_records_route_by_collected_for_and_labels():
    pools = f_skill(_table().records(FAMILY), FAMILY)
    assert pools == {
        "a1": {"success": [0], "failure": []},
        "a2": {"success": [], "failure": [0]},
        "b1": {"success": [1], "failure": []},
    }
    with pytest.raises(ValueError, match="must have 2 rows"):
        _table().with_labels(np.zeros((3, 3)))


def test_low_data_tasks_and_summary_table():
    table = _table()
    # Own-task successes: a1 1 (episode 0), a2 0 (no episode collected for it), b1 1.
    assert ablation.low_data_tasks(table, FAMILY) == ("a2",)
    collected = ablation.collected_success(table, FAMILY)
    assert list(collected.index) == list(FAMILY.names)
    assert collected.loc["a1", "collected"] == 1 and collected.loc["a1", "own_successes"] == 1
    assert collected.loc["a2", "collected"] == 0 and np.isnan(collected.loc["a2", "own_success_rate"])
    summary = ablation.summary_table({"orig / uniform": {"a1": 0.5, "a2": 0.0, "b1": 1.0}}, ("a2",))
    np.testing.assert_allclose(summary.loc["orig / uniform"].to_numpy(), [0.0, 0.5, 1.0, 0.0])


@pytest.mark.parametrize("episode_end", ["success", "deadline"])
def test_n_step_batches_sum_rewards_to_the_first_terminal_and_bootstrap_n_later(episode_end):
    # Episode 1 (steps 3-6): a1 holds at step 5, a2 at none; episode 0 (steps 0-2) succeeds at a1 at its end.
    step_labels = np.zeros((7, 3), bool)
    step_labels[[2, 5], 0] = True
    table = dataclasses.replace(_table(), step_labels=step_labels)
    pairs = _FixedPairs([0] * 300 + [1] * 300 + [1] * 300, [0] * 600 + [1] * 300)
    batch = next(TransitionBatches(table, pairs, 900, 0.9, np.random.default_rng(0), episode_end=episode_end, n_step=2))
    x, task = batch.observation["x"][:, 0].astype(int), batch.extras[TASK_ID]
    next_x = batch.next_observation["x"][:, 0].astype(int)
    if episode_end == "success":
        # (x, task) -> (reward, discount, bootstrap step): two steps ahead, cut at the first arrival or the end.
        expected = {
            (0, 0): (0.9, 0.0, 2), (1, 0): (1.0, 0.0, 2),
            (3, 0): (0.9, 0.0, 5), (4, 0): (1.0, 0.0, 5), (5, 0): (0.0, 0.9, 6),
            (3, 1): (0.0, 0.81, 5), (4, 1): (0.0, 0.81, 6), (5, 1): (0.0, 0.9, 6),
        }  # fmt: skip
    else:  # Judged at the last step: episode 0 succeeds at a1, episode 1 at a2 (its labels).
        expected = {
            (0, 0): (0.9, 0.0, 2), (1, 0): (1.0, 0.0, 2),
            (3, 0): (0.0, 0.81, 5), (4, 0): (0.0, 0.0, 6), (5, 0): (0.0, 0.0, 6),
            (3, 1): (0.0, 0.81, 5), (4, 1): (0.9, 0.0, 6), (5, 1): (1.0, 0.0, 6),
        }  # fmt: skip
    assert {(a, b) for a, b in zip(x, task)} == set(expected)
    for (step, task_id), (reward, discount, bootstrap) in expected.items():
        rows = (x == step) & (task == task_id)
        np.testing.assert_allclose(batch.reward[rows], reward, rtol=1e-6)
        np.testing.assert_allclose(batch.discount[rows], discount, rtol=1e-6)
        np.testing.assert_array_equal(next_x[rows], bootstrap)
    with pytest.raises(ValueError, match="n_step"):
        TransitionBatches(table, pairs, 900, 0.9, np.random.default_rng(0), n_step=0)
