import numpy as np
import pytest

from chef.data import nstep

# Three steps, two tasks; a hand-computed example with gamma = 0.5, n = 2.
REWARDS = np.array([[1.0, 0.0], [2.0, 10.0], [4.0, 20.0]], np.float32)  # [L=3, T=2]


def test_truncated_episode_keeps_bootstrap():
    targets = nstep.nstep_targets(REWARDS, np.ones(3, np.float32), n_step=2, gamma=0.5)
    # t=0: 1 + .5*2 = 2, 0 + .5*10 = 5, discount .25; t=1: 2 + .5*4 = 4, 10 + .5*20 = 20;
    # t=2: only one step left before the truncation: reward r_2, discount gamma^1.
    np.testing.assert_allclose(targets.reward, [[2.0, 5.0], [4.0, 20.0], [4.0, 20.0]])
    np.testing.assert_allclose(targets.discount, [0.25, 0.25, 0.5])
    np.testing.assert_array_equal(targets.next_index, [2, 3, 3])


def test_terminal_zeroes_bootstrap_and_later_rewards():
    discounts = np.array([1.0, 0.0, 1.0], np.float32)  # Terminal after the second action.
    targets = nstep.nstep_targets(REWARDS, discounts, n_step=3, gamma=0.5)
    # t=0: 1 + .5*2 + .5*0*4 = 2 (r_2 is never reached), discount 0.
    np.testing.assert_allclose(targets.reward[0], [2.0, 5.0])
    np.testing.assert_allclose(targets.discount[:2], [0.0, 0.0])
    np.testing.assert_allclose(targets.reward[1], [2.0, 10.0])


def test_one_step_is_the_plain_transition():
    discounts = np.array([1.0, 1.0, 0.0], np.float32)
    targets = nstep.nstep_targets(REWARDS, discounts, n_step=1, gamma=0.9)
    np.testing.assert_allclose(targets.reward, REWARDS)
    np.testing.assert_allclose(targets.discount, [0.9, 0.9, 0.0])
    np.testing.assert_array_equal(targets.next_index, [1, 2, 3])


def test_episode_targets_equal_the_adders_windows():
    rng = np.random.default_rng(0)
    rewards = rng.normal(size=(17, 3)).astype(np.float32)
    discounts = (rng.uniform(size=17) > 0.2).astype(np.float32)
    targets = nstep.nstep_targets(rewards, discounts, n_step=4, gamma=0.9)
    for t in range(17):
        reward, discount = nstep.nstep_window(rewards[t : t + 4], discounts[t : t + 4], gamma=0.9)
        np.testing.assert_allclose(targets.reward[t], reward, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(targets.discount[t], discount, rtol=1e-5)


def test_window_by_hand():
    reward, discount = nstep.nstep_window(REWARDS, np.array([1.0, 0.5, 1.0]), gamma=0.5)
    # 1 + .5*2 + (.5*.5*.5)*4 = 2.5 ; 0 + .5*10 + .125*20 = 7.5 ; discount .5^3 * .5.
    np.testing.assert_allclose(reward, [2.5, 7.5])
    assert discount == np.float32(0.0625)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(n_step=0, gamma=0.9), "n_step"),
        (dict(n_step=1, gamma=1.5), "gamma"),
    ],
)
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        nstep.nstep_targets(REWARDS, np.ones(3), **kwargs)


def test_bad_shapes_are_named():
    with pytest.raises(ValueError, match="discounts"):
        nstep.nstep_targets(REWARDS, np.ones(2), n_step=1, gamma=0.9)
    with pytest.raises(ValueError, match="rewards"):
        nstep.nstep_targets(np.ones(3), np.ones(3), n_step=1, gamma=0.9)


def test_batched_windows_equal_the_adders_windows():
    rng = np.random.default_rng(0)
    rewards = rng.integers(0, 2, (64, 5)).astype(np.float32)
    discounts = (rng.random((64, 5)) > 0.3).astype(np.float32)  # Terminals anywhere in the window.
    lengths = rng.integers(1, 6, 64)
    reward, discount = nstep.nstep_windows(rewards, discounts, lengths, 0.9)
    for b, m in enumerate(lengths):
        expected_reward, expected_discount = nstep.nstep_window(rewards[b, :m, None], discounts[b, :m], 0.9)
        np.testing.assert_allclose(reward[b], expected_reward[0], rtol=1e-6)
        np.testing.assert_allclose(discount[b], expected_discount, rtol=1e-6)
    with pytest.raises(ValueError, match="lengths must lie in"):
        nstep.nstep_windows(rewards, discounts, np.zeros(64, int), 0.9)
    with pytest.raises(ValueError, match="discounts must be"):
        nstep.nstep_windows(rewards, discounts[:, :2], lengths, 0.9)
