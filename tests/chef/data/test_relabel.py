"""Relabelling stored RGB-Stacking episodes with the environment's reward functions."""

import dm_env
import numpy as np
import pytest

from chef.data import relabel, rlds_reader, rlds_writer
from rgb_stacking_env import rewards


def _reward_state(rng: np.random.Generator) -> np.ndarray:
    red = np.array([0.0, 0.0, 0.02 + 0.06 * rng.uniform()], np.float32)
    state = rewards.RewardState(
        pinch_pos=red + rng.normal(0, 0.02, 3),
        red_pos=red,
        blue_pos=np.array([0.0, 0.0, 0.02]),
        green_pos=np.array([0.2, 0.0, 0.02]),
        red_half_height=0.02,
        blue_half_height=0.02,
        gripper_angle=rng.uniform(0, 255),
        grasp=rng.integers(1, 3),
        red_touches_blue=rng.integers(0, 2),
        red_touches_ground=rng.integers(0, 2),
        red_touches_robot=rng.integers(0, 2),
    )
    return state.to_vector()


def test_environment_rewards_of_a_task_subset_from_an_rlds_dataset(tmp_path):
    rng = np.random.default_rng(0)
    writer = rlds_writer.EpisodeWriter(tmp_path, rewards.TASK_NAMES)
    observations = [{rewards.REWARD_STATE_KEY: _reward_state(rng)} for _ in range(9)]
    writer.add_first(dm_env.restart(observations[0]))
    for step, observation in enumerate(observations[1:], start=1):
        make = dm_env.truncation if step == 8 else dm_env.transition
        writer.add(np.zeros(5, np.float32), make(np.zeros(6, np.float32), observation))
    writer.end_episode(rlds_writer.EpisodeMetadata(stage="collect", success=(False,) * 6))
    writer.close()

    options = rlds_reader.TransitionOptions(
        n_step=1,
        discount=0.9,
        observation_keys=(rewards.REWARD_STATE_KEY,),
        relabel=relabel.environment_relabel(("reach_grasp", "open")),
    )
    [batch] = rlds_reader.make_transition_iterator(tmp_path, 8, options, shuffle_buffer=1, repeat=False, seed=0)
    expected = rewards.rewards_from_observation(batch.next_observation, ("reach_grasp", "open"))  # [8, 2]
    np.testing.assert_allclose(batch.reward, expected)
    assert batch.reward.shape == (8, 2) and np.ptp(expected[:, 1]) > 0.1  # Varied open rewards.


def test_unknown_tasks_are_named():
    with pytest.raises(ValueError, match="unknown task.*'fly'"):
        relabel.environment_relabel(("lift", "fly"))
