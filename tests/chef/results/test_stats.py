import math

import pytest

from chef.results import stats
from chef.results.stats import SuccessCount


@pytest.mark.parametrize(
    "successes, trials, confidence, expected",
    [
        (8, 10, 0.95, (0.4902, 0.9433)),
        (0, 10, 0.95, (0.0, 0.2775)),
        (10, 10, 0.95, (0.7225, 1.0)),
        (50, 100, 0.99, (0.3753, 0.6247)),
        (1, 2, 0.95, (0.0945, 0.9055)),
    ],
)
def test_wilson_interval_matches_known_values(successes, trials, confidence, expected):
    low, high = stats.wilson_interval(successes, trials, confidence)
    assert low == pytest.approx(expected[0], abs=1e-4)
    assert high == pytest.approx(expected[1], abs=1e-4)


def test_wilson_interval_narrows_with_more_trials():
    low_small, high_small = stats.wilson_interval(8, 10)
    low_large, high_large = stats.wilson_interval(800, 1000)
    assert low_small < low_large < 0.8 < high_large < high_small


def test_wilson_interval_without_trials_is_nan():
    assert all(math.isnan(v) for v in stats.wilson_interval(0, 0))


@pytest.mark.parametrize(
    "successes, trials, confidence, message",
    [
        (3, 2, 0.95, "0 <= successes <= trials"),
        (-1, 2, 0.95, "0 <= successes <= trials"),
        (1, 2, 1.0, "confidence must be in"),
    ],
)
def test_wilson_interval_refuses_bad_input(successes, trials, confidence, message):
    with pytest.raises(ValueError, match=message):
        stats.wilson_interval(successes, trials, confidence)


def test_pool_and_mean_rate():
    counts = [SuccessCount(9, 10), SuccessCount(1, 30)]
    assert stats.pool(counts) == SuccessCount(10, 40)
    assert stats.mean_rate(counts) == pytest.approx((0.9 + 1 / 30) / 2)
    assert math.isnan(stats.mean_rate([SuccessCount(0, 0)]))


def test_count_successes_from_episode_outcomes():
    assert stats.count_successes([1.0, 0.0, True, 1]) == SuccessCount(3, 4)
    with pytest.raises(ValueError, match=r"must be 0 or 1, got \[0.5\]"):
        stats.count_successes([0.5, 1.0])


def test_success_count_json_round_trip_and_validation():
    assert SuccessCount.from_dict({"successes": 3, "episodes": 5}).to_dict() == {"successes": 3, "episodes": 5}
    with pytest.raises(ValueError, match=r"cell: expected \{'successes': k, 'episodes': n\}"):
        SuccessCount.from_dict({"successes": 3}, where="cell")
    with pytest.raises(ValueError, match="successes=6, episodes=5"):
        SuccessCount(6, 5)


def test_format_rate():
    assert stats.format_rate(SuccessCount(8, 10)) == "80% [49-94]"
    assert stats.format_rate(SuccessCount(0, 0)) == "-"
