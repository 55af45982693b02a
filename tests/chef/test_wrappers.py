import numpy as np
import pytest
from dm_env import specs

import rgb_stacking_env
from chef.wrappers import ActionRepeat, CanonicalActions
from rgb_stacking_env.environment import ACTION_MAX, ACTION_MIN


@pytest.fixture(scope="module")
def env():
    environment = CanonicalActions(rgb_stacking_env.make(object_set="4", seed=0, episode_length=20))
    yield environment
    environment.close()


def test_canonical_box_maps_onto_the_arm_bounds(env):
    assert env.action_spec().minimum == -1.0 and env.action_spec().maximum == 1.0
    np.testing.assert_allclose(env.to_environment(-np.ones(5)), ACTION_MIN)
    np.testing.assert_allclose(env.to_environment(np.ones(5)), ACTION_MAX)
    np.testing.assert_allclose(env.to_environment(np.full(5, 7.0)), ACTION_MAX)  # Clipped first.
    action = np.array([0.03, -0.05, 0.0, 0.4, -1.0], np.float32)
    np.testing.assert_allclose(env.to_environment(env.to_canonical(action)), action, atol=1e-6)
    np.testing.assert_allclose(env.to_canonical(action)[:3], [0.03 / 0.07, -0.05 / 0.07, 0.0], atol=1e-6)


def test_canonical_env_steps_like_the_raw_env_with_rescaled_actions(env):
    raw = rgb_stacking_env.make(object_set="4", seed=0, episode_length=20)
    env_step, raw_step = env.reset(), raw.reset()
    for _ in range(10):  # Full speed up, then full speed sideways with the gripper closing.
        env_step = env.step(np.array([0.0, 0.0, 1.0, 0.0, -1.0], np.float32))
        raw_step = raw.step(np.array([0.0, 0.0, 0.07, 0.0, -1.0], np.float32))
    for _ in range(5):
        env_step = env.step(np.array([1.0, 0.0, 0.0, 0.5, 1.0], np.float32))
        raw_step = raw.step(np.array([0.07, 0.0, 0.0, 0.5, 1.0], np.float32))
    np.testing.assert_allclose(
        env_step.observation["privileged/reward_state"], raw_step.observation["privileged/reward_state"], atol=1e-5
    )
    assert env.simulation is env._environment.simulation  # Attributes pass through.
    raw.close()


def test_unbounded_action_spec_is_refused():
    class Unbounded:
        def action_spec(self):
            return specs.BoundedArray((2,), np.float32, -np.inf, 1.0)

    with pytest.raises(ValueError, match="finite bounds"):
        CanonicalActions(Unbounded())


def test_wrappers_pass_the_reset_seed_on(env):
    plain = rgb_stacking_env.make(object_set="4", seed=1, episode_length=20)
    expected = plain.reset(seed=9).observation
    for wrapped in (env, ActionRepeat(env, 2)):
        observation = wrapped.reset(seed=9).observation
        for key in expected:
            np.testing.assert_array_equal(observation[key], expected[key], err_msg=key)
    plain.close()
