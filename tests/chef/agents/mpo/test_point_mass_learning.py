"""Learning evidence: distributional MPO on dm_control point_mass (real MuJoCo),
single-task and two tasks with two heads of one network."""

import numpy as np

from tests.chef.agents.mpo import point_mass


def test_mpo_learns_to_reach_the_goal():
    goals = np.array([[0.0, 0.0]])
    random = point_mass.random_returns(goals, episodes=20, seed=123)
    learner, policy = point_mass.train_mpo(goals, episodes=60, updates_per_episode=40)
    learned = point_mass.evaluate(policy, learner, goals, episodes=10, seed=321)
    # Measured: random ~9.8, learned ~18 (of at most 30; the mass needs ~1/3 of the episode to arrive).
    assert learned[0] > random[0] + 4.0 and learned[0] > 1.4 * random[0], (learned, random)


def test_one_network_learns_two_goals_with_two_heads():
    goals = np.array([[0.15, 0.15], [-0.15, -0.15]])
    random = point_mass.random_returns(goals, episodes=20, seed=123)
    learner, policy = point_mass.train_mpo(goals, episodes=120, updates_per_episode=40)
    own = point_mass.evaluate(policy, learner, goals, episodes=10, seed=321)  # Head k on goal k.
    swapped = point_mass.evaluate(policy, learner, goals[::-1], episodes=10, seed=321)  # Head k, other goal.
    # Measured: random ~[4.4, 5.8], own ~[14, 13], swapped ~[3, 2].
    assert (own > 2.0 * random).all() and (own > random + 4.0).all(), (own, random)
    assert (own > swapped + 5.0).all(), (own, swapped)
