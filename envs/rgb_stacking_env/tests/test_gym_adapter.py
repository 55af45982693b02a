"""The gymnasium adapter: spaces, reward selection, truncation."""

import gymnasium
import gymnasium.utils.env_checker
import numpy as np
import pytest

from rgb_stacking_env import GYM_IDS
from rgb_stacking_env.environment import EnvConfig, RgbStackingEnv
from rgb_stacking_env.gym_adapter import GymRgbStacking


def test_gym_adapter_steps_and_truncates():
    env = GymRgbStacking(EnvConfig(object_set="1", episode_length=3), reward_name="open")
    observation, info = env.reset(seed=5)
    assert env.observation_space.contains(observation)
    assert info["rewards"]["open"] == 1.0
    for _ in range(3):
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


@pytest.mark.parametrize("env_id", ["RgbStacking-v0", "RgbStackingVision-v0"])
def test_registered_ids_pass_gymnasiums_env_checker(env_id):
    env = gymnasium.make(env_id, object_set="test_random", episode_length=5, camera_size=16)
    gymnasium.utils.env_checker.check_env(env.unwrapped, skip_render_check=True)
    assert env.unwrapped.env.config.observation_set == GYM_IDS[env_id]["observation_set"]
    env.close()


def test_gym_make_passes_fields_and_reward():
    env = gymnasium.make("RgbStacking-v0", object_set="2", reward_name="lift")
    assert env.unwrapped.env.config.object_set == "2" and env.unwrapped.reward_name == "lift"
    made = gymnasium.make("RgbStacking-v0", config=EnvConfig(object_set="3", episode_length=7))
    assert made.unwrapped.env.config.object_set == "3" and made.unwrapped.env.config.episode_length == 7
    made.close()
    env.close()
