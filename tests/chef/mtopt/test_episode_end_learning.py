"""Regression: with episodes ending at the first success QT-Opt learns the known-answer problem of
`chef.mtopt.point_reach`; with the reward at a fixed deadline the same learner fails on it."""

import pytest

from chef.configs import mtopt
from chef.mtopt import point_reach


@pytest.mark.slow  # About 95 s.
def test_episodes_ending_at_success_learn_where_a_deadline_reward_does_not():
    # The state config's hyperparameters with 64-unit layers (256 there: 99.5 % and 16 %, 3x slower).
    result = point_reach.compare(point_reach.qtopt_config(mtopt.get_config("state").qtopt, layers=64))
    assert 0.5 < result["data_success"] < 1.0, result  # The controller reaches the goal at some decision in 92 %.
    # Measured: 100 % and 4.5 % (the analysis: 97-100 % and 1-7 %).
    assert result["success"] >= 0.8 and result["deadline"] <= 0.4, result
