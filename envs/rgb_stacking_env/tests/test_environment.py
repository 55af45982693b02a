"""The dm_env environment: specs, determinism, action handling, episode ends, cameras."""

import dm_env
import numpy as np
import pytest

import rgb_stacking_env
from rgb_stacking_env import object_sets
from rgb_stacking_env.observations import check_observation
from rgb_stacking_env.rewards import REWARD_STATE_KEY, TASK_NAMES, rewards_from_observation

_STILL = np.array([0.0, 0.0, 0.0, 0.0, -1.0], np.float32)


def _random_actions(env, count: int, seed: int = 0) -> np.ndarray:
    spec = env.action_spec()
    return np.random.default_rng(seed).uniform(spec.minimum, spec.maximum, (count, 5)).astype(np.float32)


@pytest.mark.parametrize("observation_set", ["state", "vision_no_haptics"])
def test_observations_and_rewards_match_their_specs(observation_set):
    env = rgb_stacking_env.make("2", observation_set, camera_size=16, seed=0)
    timestep = env.reset()
    assert timestep.first()
    check_observation(timestep.observation, env.observation_spec())
    visible = {k for k in timestep.observation if not k.startswith("privileged/")}
    assert visible == set(rgb_stacking_env.observation_keys(observation_set))
    for action in _random_actions(env, 3):
        timestep = env.step(action)
        check_observation(timestep.observation, env.observation_spec())
        env.reward_spec().validate(timestep.reward)
        env.discount_spec().validate(np.float32(timestep.discount))
    # The stored reward state relabels to exactly the step's rewards.
    np.testing.assert_allclose(rewards_from_observation(timestep.observation), timestep.reward, atol=1e-6)
    assert set(env.last_rewards) == set(TASK_NAMES) | {"composite", "sparse_success"}
    env.close()


def test_same_seed_and_actions_give_identical_observations():
    runs = []
    for _ in range(2):
        env = rgb_stacking_env.make("1", seed=7)
        timesteps = [env.reset()] + [env.step(a) for a in _random_actions(env, 5)]
        runs.append(timesteps)
    for first, second in zip(*runs):
        for key in first.observation:
            np.testing.assert_array_equal(first.observation[key], second.observation[key], err_msg=key)
    other = rgb_stacking_env.make("1", seed=8).reset()
    assert not np.array_equal(other.observation["rgb30_red/abs_pose"], runs[0][0].observation["rgb30_red/abs_pose"])


def test_bad_actions_raise_and_large_ones_are_clipped():
    env = rgb_stacking_env.make("1", seed=0)
    env.reset()
    with pytest.raises(ValueError, match="shape"):
        env.step(np.zeros(4))
    with pytest.raises(ValueError, match="finite"):
        env.step(np.array([0.0, np.nan, 0.0, 0.0, 0.0]))
    for _ in range(4):  # the arm's servos take a few steps to reach the commanded speed
        timestep = env.step(np.array([10.0, 0.0, 0.0, 0.0, 0.0], np.float32))
    # The 10 m/s request became the 0.07 m/s limit: the last TCP displacement (newest first) is
    # about 0.07 * 0.05 m.
    pinch = timestep.observation["sawyer/pinch/pose"]
    assert 0.5 * 0.07 * 0.05 < np.linalg.norm(pinch[0, :3] - pinch[1, :3]) <= 0.07 * 0.05 + 1e-3


def test_episode_ends_with_a_truncation_of_discount_one():
    env = rgb_stacking_env.make("1", seed=0, episode_length=5)
    env.reset()
    steps = [env.step(_STILL) for _ in range(5)]
    assert [t.step_type for t in steps[:-1]] == [dm_env.StepType.MID] * 4
    assert steps[-1].last() and steps[-1].discount == 1.0
    assert env.step(_STILL).first()  # the next step starts a new episode


def test_force_termination_is_terminal_with_discount_zero():
    touchy = rgb_stacking_env.make("1", seed=0, force_termination_threshold=1e-6)
    touchy.reset()
    timestep = touchy.step(_STILL)
    assert timestep.last() and timestep.discount == 0.0
    relaxed = rgb_stacking_env.make("1", seed=0, force_termination_threshold=1e6, episode_length=20)
    relaxed.reset()
    assert all(not relaxed.step(a).last() for a in _random_actions(relaxed, 19))


def test_cameras_render_only_when_the_set_has_them():
    state = rgb_stacking_env.make("1", "state", seed=0)
    state.reset()
    assert state.cameras is None
    vision = rgb_stacking_env.make("1", "vision", camera_size=24, seed=0)
    timestep = vision.reset()
    vision.step(_STILL)
    assert vision.cameras.render_count == 2
    image = timestep.observation["basket_front_left/pixels"]
    assert image.shape == (24, 24, 3) and image.dtype == np.uint8 and image.std() > 5
    vision.close()


def test_privileged_reward_state_follows_the_scene():
    env = rgb_stacking_env.make("4", seed=0)
    observation = env.reset().observation
    state = observation[REWARD_STATE_KEY]
    np.testing.assert_allclose(state[0:3], observation["sawyer/pinch/pose"][0, :3], atol=1e-6)
    assert state[12] == pytest.approx(0.025, abs=2e-3)  # s0 is a 5 cm cube
    assert state[14] == 0.0 and state[15] == 1.0  # gripper open, no grasp


def test_unknown_object_set_and_observation_set_raise():
    with pytest.raises(ValueError, match="valid object sets"):
        rgb_stacking_env.make("7")
    with pytest.raises(ValueError, match="valid sets"):
        rgb_stacking_env.make("1", "pixels")


def test_random_object_sets_switch_scenes_between_episodes():
    env = rgb_stacking_env.make("test_random", seed=3, episode_length=1)
    triplets = set()
    for _ in range(4):
        env.reset()
        triplets.add(env.simulation.scene.triplet)
    assert len(triplets) >= 2


def test_a_diverged_simulation_truncates_the_episode():
    env = rgb_stacking_env.make("1", seed=0)
    env.reset()
    sim = env.simulation
    sim.data.qvel[sim.scene.object_dof[0]] = 1e30  # blows up the next step
    timestep = env.step(_STILL)
    assert sim.diverged() and timestep.last() and timestep.discount == 1.0
    env.reset()
    assert not sim.diverged()


def _assert_same_observation(first, second):
    for key in first:
        np.testing.assert_array_equal(first[key], second[key], err_msg=key)


def test_seeded_reset_depends_on_the_seed_alone():
    # Different construction seeds and different episodes before: reset(seed=s) starts the same state.
    fresh = rgb_stacking_env.make("train_random", seed=1)
    used = rgb_stacking_env.make("train_random", seed=2)
    used.reset()
    for action in _random_actions(used, 3):
        used.step(action)
    used.reset(seed=99)
    first, second = fresh.reset(seed=5), used.reset(seed=5)
    assert fresh.simulation.scene.triplet == used.simulation.scene.triplet
    _assert_same_observation(first.observation, second.observation)
    for action in _random_actions(fresh, 3):  # and the same actions the same episode
        _assert_same_observation(fresh.step(action).observation, used.step(action).observation)
    other = fresh.reset(seed=6)
    assert not np.array_equal(other.observation["rgb30_red/abs_pose"], first.observation["rgb30_red/abs_pose"])
    # Unseeded resets go on from the seeded state; a negative seed is refused.
    used.reset(seed=6)
    _assert_same_observation(fresh.reset().observation, used.reset().observation)
    with pytest.raises(ValueError, match="seed"):
        fresh.reset(seed=-1)
    fresh.close()
    used.close()


def test_seeded_reset_is_the_same_in_a_random_set_and_its_fixed_triplet():
    random_set = rgb_stacking_env.make("test_random", seed=0)
    first = random_set.reset(seed=3)
    label = object_sets.triplet_label(random_set.simulation.scene.triplet)
    fixed = rgb_stacking_env.make(label, seed=1)
    _assert_same_observation(first.observation, fixed.reset(seed=3).observation)
