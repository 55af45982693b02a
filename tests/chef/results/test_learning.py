"""COLLECT's learning summary: early vs late learned-policy returns beside a reference policy's."""

import numpy as np
import pandas as pd
import pytest

from chef.results import learning


def _actors(returns: list[float], scripted: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "time": np.arange(len(returns))[::-1],  # Rows out of time order: sorted by time.
            "scripted": scripted,
            "episode_return/a": returns,
            "episode_return/b": np.zeros(len(returns)),
        }
    )


def test_windows_leave_scripted_episodes_out_and_follow_time():
    # In time order (the reverse of the rows): learned returns 1..8, and one scripted 100.
    returns = [8.0, 7.0, 100.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0]
    scripted = [0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    reference = np.array([[0.5, 0.0], [1.5, 0.0]])
    table = learning.collect_learning(_actors(returns, scripted), reference, ("a", "b"))
    assert table.loc["a", "first"] == pytest.approx(1.5) and table.loc["a", "last"] == pytest.approx(7.5)
    assert table.loc["a", "reference"] == pytest.approx(1.0)
    text = learning.describe(table, 2, "uniform random", 2)
    assert "a rose from 1.5 to 7.5 per episode (uniform random policy: 1.0)" in text
    assert "b rose" not in text


def test_no_rise_is_said_and_too_few_episodes_are_refused():
    flat = learning.collect_learning(_actors([1.0] * 8, [0.0] * 8), np.ones((3, 2)), ("a", "b"))
    assert "no task's return rose" in learning.describe(flat, 2, "uniform random", 3)
    with pytest.raises(ValueError, match="too few"):
        learning.collect_learning(_actors([1.0, 2.0], [0.0, 0.0]), np.ones((3, 2)), ("a", "b"))
