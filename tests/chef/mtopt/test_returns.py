import numpy as np
import pytest

from chef.mtopt.returns import n_step_terms

GAMMA = 0.9


def test_one_step_terms_are_qtopts_target():
    rewards = np.array([[1.0], [0.0], [0.0]])
    terminals = np.array([[True], [False], [True]])  # The third: a deadline failure.
    reward, discount, offset = n_step_terms(rewards, terminals, np.ones(3, int), GAMMA)
    np.testing.assert_allclose(reward, [1.0, 0.0, 0.0])
    np.testing.assert_allclose(discount, [0.0, GAMMA, 0.0], rtol=1e-6)
    np.testing.assert_array_equal(offset, [1, 1, 1])


def test_reward_is_discounted_to_the_first_terminal_and_nothing_after_it_counts():
    rewards = np.array([[0, 0, 1, 1], [0, 0, 0, 0], [0, 1, 0, 1], [0, 0, 0, 1]], float)
    terminals = np.array([[0, 0, 1, 1], [0, 0, 0, 0], [0, 1, 0, 1], [0, 0, 0, 1]], bool)
    available = np.array([4, 4, 4, 3])  # The last: cut at its step limit before its success.
    reward, discount, offset = n_step_terms(rewards, terminals, available, GAMMA)
    np.testing.assert_allclose(reward, [GAMMA**2, 0.0, GAMMA, 0.0], rtol=1e-6)
    np.testing.assert_allclose(discount, [0.0, GAMMA**4, 0.0, GAMMA**3], rtol=1e-6)
    np.testing.assert_array_equal(offset, [3, 4, 2, 3])


def test_rewards_without_a_terminal_accumulate():
    reward, discount, offset = n_step_terms(np.ones((1, 3)), np.zeros((1, 3), bool), np.array([3]), GAMMA)
    np.testing.assert_allclose(reward, [1 + GAMMA + GAMMA**2], rtol=1e-6)
    np.testing.assert_allclose(discount, [GAMMA**3], rtol=1e-6)
    np.testing.assert_array_equal(offset, [3])


def test_bad_shapes_and_counts_are_refused():
    with pytest.raises(ValueError, match="terminals must be"):
        n_step_terms(np.zeros((2, 3)), np.zeros((2, 2), bool), np.ones(2, int), GAMMA)
    with pytest.raises(ValueError, match="available must lie in"):
        n_step_terms(np.zeros((2, 3)), np.zeros((2, 3), bool), np.array([1, 4]), GAMMA)
