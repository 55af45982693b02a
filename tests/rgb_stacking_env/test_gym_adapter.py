"""The gymnasium adapter: spaces, reward selection, truncation."""
import numpy as np
import pytest

from rgb_stacking_env.environment import EnvConfig, RgbStackingEnv
from rgb_stacking_env.gym_adapter import GymRgbStacking


def test_gym_adapter_steps_and_truncates():
    env = GymRgbStacking(EnvConfig(object_set="1", episode_length=3), reward_name="open")
    observation, info = env.reset(seed=5)
    assert env.observation_space.contains(observation)
    assert info["rewards"]["open"] == 1.0
    for step in range(3):
        observation, reward, terminated, truncated, info = env.step(env.action_space.sample())
        assert reward == info["rewards"]["open"] and not terminated
    assert truncated
    env.close()


def test_gym_adapter_reset_seed_is_deterministic_and_reward_name_checked():
    env = GymRgbStacking(EnvConfig(object_set="1"))
    first, _ = env.reset(seed=1)
    second, _ = env.reset(seed=1)
    np.testing.assert_array_equal(first["rgb30_red/abs_pose"], second["rgb30_red/abs_pose"])
    with pytest.raises(ValueError, match="valid rewards"):
        GymRgbStacking(reward_name="tidy")


def test_gym_reset_seed_is_the_environments_reset_seed():
    gym_env = GymRgbStacking(EnvConfig(object_set="train_random", seed=0))
    observation, _ = gym_env.reset(seed=4)
    expected = RgbStackingEnv(EnvConfig(object_set="train_random", seed=1)).reset(seed=4).observation
    for key in expected:
        np.testing.assert_array_equal(observation[key], expected[key], err_msg=key)
    gym_env.close()
