import numpy as np

import rgb_stacking_env
from chef.mtopt import evaluation, rgb_tasks, terminate


def test_q_action_bounds_append_the_switch_and_split_reads_it():
    low, high = terminate.q_action_bounds(np.array([-2.0, -1.0]), np.array([2.0, 1.0]))
    np.testing.assert_array_equal(low, [-2.0, -1.0, -1.0])
    np.testing.assert_array_equal(high, [2.0, 1.0, 1.0])
    action, ends = terminate.split(np.array([0.5, 0.2, 1.0]))
    np.testing.assert_array_equal(action, [0.5, 0.2])
    assert ends and not terminate.split(np.array([0.5, 0.2, -1.0]))[1]


def test_evaluation_ends_an_episode_at_the_switch():
    family = rgb_tasks.rgb_task_family()
    env = rgb_stacking_env.make(object_set="1", observation_set="state", seed=3, episode_length=100)
    calls = []

    def policy(observation):  # Terminates at its second decision of each episode.
        calls.append(1)
        return np.array([0, 0, 0, 0, -1, 1.0 if len(calls) % 2 == 0 else -1.0], np.float32)

    outcomes = evaluation.evaluate_task(
        env, policy, family, "lift-red", 3, pick_steps=12, place_steps=9, decision_period=4, with_terminate=True
    )
    assert outcomes == [False] * 3 and len(calls) == 3 * 2  # Not 3 decisions: the switch ended each episode.
