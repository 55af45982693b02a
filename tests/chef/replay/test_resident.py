"""The learner-resident replay: Reverb's rate-limiter arithmetic, the ring buffer, and transitions
moved from a real Reverb inbox queue written by the real n-step adder."""

import time

import dm_env
import numpy as np
import pytest

from chef import types
from chef.replay import adders, resident, server, tables


def test_limiter_follows_reverbs_sample_to_insert_ratio():
    # spi 4, min_size 10, error buffer 8: samples allowed while inserts * 4 - samples - n >= 32,
    # inserts allowed while (inserts + 1) * 4 - samples <= 48, freely up to min_size.
    limiter = resident.SampleToInsertRatio(samples_per_insert=4.0, min_size=10, error_buffer=8.0)
    assert limiter.sample_allowance(size=9) == 0
    limiter.inserts = 10
    assert limiter.sample_allowance(size=10) == 8  # 40 - 32.
    assert limiter.insert_allowance(size=10) == 2  # Up to 12 * 4 - 0 = 48.
    limiter.inserts = 12  # 48: one more insert would exceed max_diff until 4 samples are taken.
    assert limiter.insert_allowance(size=12) == 0
    limiter.samples = 4
    assert limiter.insert_allowance(size=12) == 1 and limiter.sample_allowance(size=12) == 12
    fresh = resident.SampleToInsertRatio(samples_per_insert=4.0, min_size=10, error_buffer=8.0)
    assert fresh.insert_allowance(size=0) == 12  # Free up to min_size, then the ratio's bound.
    unlimited = resident.SampleToInsertRatio(samples_per_insert=None, min_size=3, error_buffer=0.0)
    assert unlimited.sample_allowance(size=2) == 0 and unlimited.sample_allowance(size=3) > 10**9


def test_error_buffer_is_the_reverb_tables():
    config = tables.ReplayConfig(min_size=2_000, samples_per_insert=32.0)
    assert resident.SampleToInsertRatio.from_config(config).error_buffer == tables.error_buffer(config) == 6400.0


def _observation(i: int) -> dict[str, np.ndarray]:
    return {"sawyer/tcp/pose": np.full((2,), i, np.float32)}


@pytest.fixture
def inbox():
    config = tables.ReplayConfig(
        data_path="learner",
        max_size=1000,
        min_size=6,
        samples_per_insert=2.0,
        samples_per_insert_tolerance=0.5,
        inbox_size=50,
    )
    signature = tables.transition_signature(_observation(0), np.zeros(1, np.float32), num_tasks=1)
    running = server.start_server(config, signature=signature)
    yield running
    running.stop()


def _write_episodes(client, config, num_episodes, length):
    adder = adders.NStepTransitionAdder(client, config.data_tables, n_step=1, discount=1.0)
    for _ in range(num_episodes):
        adder.add_first(dm_env.restart(_observation(0)))
        for i in range(1, length + 1):
            timestep = (
                dm_env.transition(np.array([i], np.float32), _observation(i))
                if i < length
                else dm_env.truncation(np.array([i], np.float32), _observation(i))
            )
            adder.add(np.array([i], np.float32), timestep)
    adder.close()


def _wait(predicate, timeout_s=20.0):
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_transitions_cross_the_inbox_once_and_sampling_is_rate_limited(inbox):
    config = inbox.config
    assert config.data_tables == ("inbox",) and set(inbox.client().server_info()) == {"inbox", "variables"}
    replay = resident.ResidentReplay(config, seed=0)
    replay.start(inbox.address)
    try:
        # 100 transitions: more than the reader holds (READ_BATCH in flight plus a batch being inserted).
        _write_episodes(inbox.client(), config, num_episodes=4, length=25)
        # Error buffer max(6 * 0.5 * 2, 4) = 6: inserts stop at (inserts + 1) * 2 - 0 > 12 + 6.
        _wait(lambda: replay.counters()["replay_inserts"] == 9)
        time.sleep(1.0)
        assert replay.counters()["replay_inserts"] == 9  # The rest wait in the reader and the inbox.
        assert inbox.client().server_info()["inbox"].current_size > 0
        batch = replay.sample(batch_size=12)  # Allowed as inserts resume.
        assert batch.action.shape == (12, 1) and batch.observation["sawyer/tcp/pose"].shape == (12, 2)
        # Every sample is a transition the adder wrote: o_t = t - 1, a_t = r_t = t, o' = t.
        np.testing.assert_array_equal(batch.observation["sawyer/tcp/pose"][..., 0] + 1, batch.action[..., 0])
        np.testing.assert_array_equal(batch.reward[..., 0], batch.action[..., 0])
        np.testing.assert_array_equal(batch.next_observation["sawyer/tcp/pose"][..., 0], batch.action[..., 0])
        counters = replay.counters()
        assert counters["replay_samples"] == 12
        # Samples never ran ahead of the ratio: inserts * 2 - samples >= 12 - 6.
        assert counters["replay_inserts"] * 2 - counters["replay_samples"] >= 6
    finally:
        replay.stop()


def test_refill_counts_samples_already_taken_within_the_limit():
    config = tables.ReplayConfig(data_path="learner", max_size=100, min_size=10, samples_per_insert=4.0)
    replay = resident.ResidentReplay(config, seed=0)
    values = np.arange(30, dtype=np.float32)
    replay.add(
        types.Transition({"x": values[:, None]}, values, values, values, {"x": values[:, None]}, {}),
        count_samples=1_000,
    )
    # 30 inserts allow 120 - (40 - 8) = 88 samples: the restored learner resumes from that balance.
    assert replay.counters()["replay_samples"] == 88
    assert replay.limiter.sample_allowance(replay.buffer.size) == 0
