"""Observation sets, specs and frame stacking."""

import numpy as np
import pytest

from rgb_stacking_env import observations
from rgb_stacking_env.rewards import REWARD_STATE_KEY


def test_observation_sets_expose_the_right_keys():
    state = set(observations.observation_keys("state"))
    vision = set(observations.observation_keys("vision"))
    no_haptics = set(observations.observation_keys("vision_no_haptics"))
    assert "rgb30_red/abs_pose" in state and "basket_front_left/pixels" not in state
    assert not any(k.startswith("rgb30_") for k in vision)  # CHEF: no object poses
    assert {"basket_back_left/pixels", "wrist/force", "sawyer/joints/angle"} <= vision
    assert no_haptics == vision - {"wrist/force", "wrist/torque"}
    assert not any(k.startswith("privileged/") for k in state | vision)


def test_specs_have_reference_shapes_and_include_privileged_entries():
    spec = observations.observation_spec("vision", camera_size=128)
    assert spec["sawyer/pinch/pose"].shape == (3, 7)
    assert spec["sawyer/tcp/velocity"].shape == (3, 6)
    assert spec["gripper/grasp"].shape == (3,)
    assert spec["action/environment"].shape == (2, 8)
    assert spec["wrist/force"].shape == (3, 3)
    assert spec["basket_front_right/pixels"].shape == (128, 128, 3)
    assert spec["basket_front_right/pixels"].dtype == np.uint8
    assert spec[REWARD_STATE_KEY].shape == (19,)


def test_unknown_observation_set_raises():
    with pytest.raises(ValueError, match="'pixels'.*valid sets.*'state'"):
        observations.observation_keys("pixels")


def test_frame_stacker_keeps_the_last_steps_newest_first():
    entries = {
        "a": observations.Entry((2,)),
        "action/environment": observations.Entry((1,), depth=2),
        "img": observations.Entry((1,), depth=0, dtype=np.uint8),
    }
    stacker = observations.FrameStacker(entries)
    first = stacker.reset({"a": np.array([1.0, 1.0]), "action/environment": np.array([9.0]), "img": 5})
    np.testing.assert_array_equal(first["a"], [[1, 1]] * 3)
    np.testing.assert_array_equal(first["action/environment"], [[9], [9]])  # the reset's commands
    stacker.push({"a": np.array([2.0, 2.0]), "action/environment": np.array([7.0]), "img": 6})
    latest = stacker.push({"a": np.array([3.0, 3.0]), "action/environment": np.array([8.0]), "img": 7})
    np.testing.assert_array_equal(latest["a"], [[3, 3], [2, 2], [1, 1]])
    np.testing.assert_array_equal(latest["action/environment"], [[8], [7]])
    assert latest["img"] == 7 and latest["img"].dtype == np.uint8
    latest["a"][:] = 0  # observations are copies
    assert stacker.observation()["a"][0, 0] == 3
