import numpy as np

import rgb_stacking_env
from chef.mtopt import evaluation, rgb_tasks


def test_seeded_evaluation_starts_from_the_same_states_whatever_ran_before():
    family = rgb_tasks.rgb_task_family()
    env = rgb_stacking_env.make(object_set="1", observation_set="state", seed=3, episode_length=100)
    firsts = []

    def policy(observation):  # Terminates at once, after recording where the episode started.
        firsts.append(observation["rgb30_red/abs_pose"].copy())
        return np.array([0, 0, 0, 0, -1, 1.0], np.float32)

    def starts(seed):
        firsts.clear()
        evaluation.evaluate_task(env, policy, family, "lift-red", 3, 12, 9, with_terminate=True, seed=seed)
        return np.stack(firsts)

    first = starts(5)
    env.reset()  # Whatever ran in between (another cell's episodes) does not move the seeded states.
    np.testing.assert_array_equal(starts(5), first)
    assert len({tuple(np.round(s.ravel(), 6)) for s in first}) == 3  # Each episode its own state,
    assert not np.allclose(starts(6), first)  # Another seed: other states.
    firsts.clear()
    evaluation.evaluate_task(env, policy, family, "lift-blue", 3, 12, 9, with_terminate=True, seed=5)
    assert not np.allclose(np.stack(firsts), first)  # Another task: other states.


def test_evaluation_seeds_differ_by_seed_task_and_episode():
    seeds = {evaluation.episode_seed(s, t, k) for s in range(3) for t in range(8) for k in range(50)}
    assert len(seeds) == 3 * 8 * 50
