import numpy as np
import pytest

from chef import scheduler as scheduler_lib
from chef.utils.config import ConfigError

TASKS = ("reach", "lift", "stack")


def make(kind="sac_q", **kwargs):
    defaults = dict(kind=kind, tasks=TASKS, main_task="stack", num_segments=3, episode_length=9)
    defaults.update(kwargs)
    return scheduler_lib.SchedulerConfig(**defaults)


def test_segments_and_returns():
    config = make()
    assert config.segment_length == 3
    assert [scheduler_lib.segment_of_step(t, config) for t in range(9)] == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    rewards = np.arange(9, dtype=float)  # 0..8
    np.testing.assert_allclose(scheduler_lib.segment_returns(rewards, config), [36.0, 33.0, 21.0])
    # An episode that terminated in segment 1: segment 2 was never reached.
    np.testing.assert_allclose(scheduler_lib.segment_returns([1.0] * 5, config), [5.0, 2.0, 0.0])


def test_uneven_segments_cover_the_episode():
    config = make(num_segments=3, episode_length=10)
    assert config.segment_length == 4
    assert scheduler_lib.segment_of_step(9, config) == 2


def test_sac_u_is_uniform():
    sched = scheduler_lib.Scheduler(make("sac_u"), seed=0)
    counts = np.zeros(3)
    for _ in range(3000):
        for task in sched.sample_schedule():
            counts[task] += 1
    np.testing.assert_allclose(counts / counts.sum(), [1 / 3] * 3, atol=0.02)


def test_fixed_always_picks_its_task():
    sched = scheduler_lib.Scheduler(make("fixed", fixed_task="lift"), seed=0)
    assert {sched.sample_schedule() for _ in range(20)} == {(1, 1, 1)}


def test_boltzmann_probabilities():
    probs = scheduler_lib.boltzmann_probabilities(np.array([0.0, np.log(3.0)]), temperature=1.0, epsilon=0.0)
    np.testing.assert_allclose(probs, [0.25, 0.75])
    probs = scheduler_lib.boltzmann_probabilities(np.array([0.0, 100.0]), temperature=1.0, epsilon=0.5)
    np.testing.assert_allclose(probs, [0.25, 0.75], atol=1e-12)


def test_monte_carlo_update_averages_returns():
    sched = scheduler_lib.Scheduler(make(learning_rate=0.01), seed=0)
    sched.update((0, 1, 2), [1.0] * 9)  # segment returns [9, 6, 3]
    sched.update((0, 1, 2), [0.0] * 9)
    np.testing.assert_allclose(sched.q_values(()), [4.5, 0.0, 0.0])
    np.testing.assert_allclose(sched.q_values((0,)), [0.0, 3.0, 0.0])
    np.testing.assert_allclose(sched.q_values((0, 1)), [0.0, 0.0, 1.5])


def test_sac_q_learns_the_best_schedule():
    # The main task pays off only after reaching, then lifting, then stacking.
    def episode_rewards(schedule):
        bonus = sum(int(schedule[h] == h) for h in range(3))
        return [float(bonus == 3)] * 9

    sched = scheduler_lib.Scheduler(make(temperature=0.5, epsilon=0.3), seed=1)
    for _ in range(600):
        schedule = sched.sample_schedule()
        sched.update(schedule, episode_rewards(schedule))
    assert sched.greedy_schedule() == (0, 1, 2)
    uniform = scheduler_lib.Scheduler(make("sac_u"), seed=1)
    hits_q = sum(sched.sample_schedule() == (0, 1, 2) for _ in range(500))
    hits_u = sum(uniform.sample_schedule() == (0, 1, 2) for _ in range(500))
    assert hits_q > 3 * hits_u


def test_state_dict_round_trip():
    sched = scheduler_lib.Scheduler(make(), seed=0)
    sched.update((2, 0, 1), [1.0] * 9)
    restored = scheduler_lib.Scheduler(make(), seed=0)
    restored.load_state_dict(sched.state_dict())
    np.testing.assert_array_equal(restored.q_values((2,)), sched.q_values((2,)))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(kind="sac_x"), "not one of"),
        (dict(main_task="place"), "main_task"),
        (dict(num_segments=0), "num_segments"),
        (dict(epsilon=1.5), "epsilon"),
    ],
)
def test_invalid_configs_are_refused(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        make(**kwargs)


def test_update_refuses_wrong_schedule_length():
    with pytest.raises(ValueError, match="segments"):
        scheduler_lib.Scheduler(make()).update((0, 1), [0.0] * 9)
