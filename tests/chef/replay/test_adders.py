"""The n-step adder against a hand-computed trajectory, through a real Reverb server."""

import dm_env
import numpy as np
import pytest

from chef.replay import adders, dataset, server, tables


def _obs(i: float) -> dict[str, np.ndarray]:
    return {"sawyer/tcp/pose": np.full((2,), i, np.float32), "camera/pixels": np.full((4, 4, 3), i, np.uint8)}


@pytest.fixture
def replay():
    config = tables.ReplayConfig(max_size=100, min_size=1, samples_per_insert=None, queue_size=100)
    signature = tables.transition_signature(
        _obs(0), np.zeros(1, np.float32), num_tasks=2, extras_spec={"log_prob": np.zeros((), np.float32)}
    )
    running = server.start_server(config, signature=signature)
    yield running
    running.stop()


def _read_queue(replay, count: int):
    """All `count` items of the FIFO queue, in insertion order."""
    assert replay.client().server_info()["queue"].current_size == count
    iterator = dataset.make_replay_iterator(replay.address, "queue", batch_size=count, num_workers_per_iterator=1)
    return next(iterator)


def _play(adder, rewards, last_discount):
    adder.add_first(dm_env.restart(_obs(0)))
    for i, reward in enumerate(rewards, start=1):
        reward = np.asarray(reward, np.float32)
        extras = {"log_prob": np.float32(-i)}
        if i < len(rewards):
            timestep = dm_env.transition(reward, _obs(i))
        else:
            timestep = dm_env.TimeStep(dm_env.StepType.LAST, reward, np.float32(last_discount), _obs(i))
        adder.add(np.array([i], np.float32), timestep, extras=extras)


@pytest.mark.parametrize("chunk_length", [None, 1, 3])
def test_truncation_then_terminal_match_hand_computed(replay, chunk_length):
    adder = adders.NStepTransitionAdder(
        replay.client(), replay.config.data_tables, n_step=2, discount=0.5, chunk_length=chunk_length
    )
    _play(adder, [[1, 0], [2, 10], [4, 20]], last_discount=1.0)  # A time-limit truncation.
    _play(adder, [[1, 1], [3, 3]], last_discount=0.0)  # A terminal (force-termination).
    batch = _read_queue(replay, 5)

    np.testing.assert_allclose(batch.reward, [[2, 5], [4, 20], [4, 20], [2.5, 2.5], [3, 3]])
    np.testing.assert_allclose(batch.discount, [0.25, 0.25, 0.5, 0.0, 0.0])
    np.testing.assert_allclose(batch.observation["sawyer/tcp/pose"][:, 0], [0, 1, 2, 0, 1])
    np.testing.assert_allclose(batch.next_observation["sawyer/tcp/pose"][:, 0], [2, 3, 3, 2, 2])
    np.testing.assert_array_equal(batch.next_observation["camera/pixels"][:, 0, 0, 0], [2, 3, 3, 2, 2])
    np.testing.assert_allclose(batch.action[:, 0], [1, 2, 3, 1, 2])
    np.testing.assert_allclose(batch.extras["log_prob"], [-1, -2, -3, -1, -2])
    assert replay.client().server_info()["replay"].current_size == 5


def test_abandoned_episode_is_dropped_without_breaking_the_next(replay):
    adder = adders.NStepTransitionAdder(replay.client(), "queue", n_step=3, discount=0.5)
    adder.add_first(dm_env.restart(_obs(0)))
    adder.add(
        np.array([9], np.float32),
        dm_env.transition(np.ones(2, np.float32), _obs(9)),
        extras={"log_prob": np.float32(0)},
    )  # Window not full yet: nothing written.
    _play(adder, [[1, 0]], last_discount=1.0)
    batch = _read_queue(replay, 1)
    np.testing.assert_allclose(batch.reward, [[1, 0]])
    np.testing.assert_allclose(batch.discount, [0.5])


def test_misuse_is_refused(replay):
    adder = adders.NStepTransitionAdder(replay.client(), "queue", n_step=2, discount=0.9)
    with pytest.raises(ValueError, match="before add_first"):
        adder.add(np.zeros(1), dm_env.transition(np.zeros(2), _obs(1)))
    with pytest.raises(ValueError, match="FIRST"):
        adder.add_first(dm_env.transition(np.zeros(2), _obs(1)))
    adder.add_first(dm_env.restart(_obs(0)))
    with pytest.raises(ValueError, match=r"vector \[T\]"):
        adder.add(np.zeros(1), dm_env.transition(1.0, _obs(1)))
    with pytest.raises(ValueError, match="n_step"):
        adders.NStepTransitionAdder(replay.client(), "queue", n_step=0, discount=0.9)
    with pytest.raises(ValueError, match=r"chunk_length must be in \[1, 6\]"):
        adders.NStepTransitionAdder(replay.client(), "queue", n_step=2, discount=0.9, chunk_length=7)
