"""Tests of the RGB-Stacking rewards on hand-built physics states."""

from typing import Dict, List

import numpy as np
import pytest

from rgb_stacking_env import rewards
from rgb_stacking_env.shaping import shaped_distance

FLOOR = rewards.BASKET_FLOOR_Z
BLUE = np.array([0.6, 0.0, FLOOR + 0.02])  # a 4 cm blue object resting on the floor
ON_BLUE = BLUE + [0.0, 0.0, 0.04]  # a 4 cm red object stacked on it


def make_state(**fields) -> rewards.RewardState:
    """Red stacked on blue, open gripper 10 cm above red; `fields` override."""
    defaults = dict(
        pinch_pos=ON_BLUE + [0.0, 0.0, 0.10],
        red_pos=ON_BLUE,
        blue_pos=BLUE,
        green_pos=np.array([0.5, 0.1, FLOOR + 0.02]),
        red_half_height=0.02,
        blue_half_height=0.02,
        gripper_angle=0.0,
        grasp=1.0,
        red_touches_blue=1.0,
        red_touches_ground=0.0,
        red_touches_robot=0.0,
    )
    defaults.update(fields)
    return rewards.RewardState(**{k: np.asarray(v, dtype=np.float64) for k, v in defaults.items()})


def values(state: rewards.RewardState) -> Dict[str, float]:
    return {name: float(value) for name, value in rewards.compute_rewards(state).items()}


def test_stacked_and_left_with_open_gripper_scores_every_stage():
    r = values(make_state())
    assert r["stack"] == r["stack_leave"] == r["sparse_success"] == r["place"] == r["open"] == 1.0
    assert r["composite"] == 1.0  # stage 4 (stack_leave) at 1: (4 + 1) / 5
    assert set(r) == set(rewards.REWARD_NAMES)


def test_grasped_red_on_blue_is_not_stacked():
    r = values(make_state(grasp=2.0, gripper_angle=200.0, pinch_pos=ON_BLUE))
    assert r["stack"] == r["stack_leave"] == 0.0
    assert r["place"] == 1.0


def test_stack_uses_the_real_object_heights():
    blue = np.array([0.6, 0.0, FLOOR + 0.025])
    on_blue = blue + [0.0, 0.0, 0.055]  # red half-height 0.03 + blue half-height 0.025
    tall = dict(blue_pos=blue, red_half_height=0.03, blue_half_height=0.025)
    r = values(make_state(red_pos=on_blue, pinch_pos=on_blue + [0, 0, 0.1], **tall))
    assert r["stack"] == r["stack_leave"] == r["place"] == 1.0
    at_4cm = blue + [0.0, 0.0, 0.04]  # where a 4 cm assumption would put red
    r = values(make_state(red_pos=at_4cm, pinch_pos=at_4cm + [0, 0, 0.1], **tall))
    assert r["stack"] == r["stack_leave"] == 0.0
    assert r["place"] < 1.0


@pytest.mark.parametrize(
    "offset, stacked",
    [
        ([0.029, 0.0, 0.0], 1.0),
        ([0.0, 0.031, 0.0], 0.0),
        ([0.02, 0.02, 0.0], 1.0),
        ([0.022, 0.022, 0.0], 0.0),
        ([0.0, 0.0, 0.0099], 1.0),
        ([0.0, 0.0, -0.0099], 1.0),
        ([0.0, 0.0, 0.0101], 0.0),
        ([0.0, 0.0, -0.0101], 0.0),
    ],
)
def test_stack_tolerance_cylinder(offset, stacked):
    red = ON_BLUE + offset
    assert values(make_state(red_pos=red, pinch_pos=red + [0, 0, 0.1]))["stack"] == stacked


@pytest.mark.parametrize(
    "pinch_offset, expected",
    [
        ([0.0, 0.0, 0.10], 1.0),
        ([0.4, -0.3, 0.10], 1.0),  # anywhere horizontally
        ([0.0, 0.0, 0.129], 1.0),
        ([0.0, 0.0, 0.071], 1.0),
        ([0.0, 0.0, 0.131], float(shaped_distance(0.031, 0.05))),
        ([0.0, 0.0, 0.05], float(shaped_distance(0.05, 0.05))),  # 0.05 at the 5 cm margin
    ],
)
def test_stack_leave_wants_the_gripper_about_10cm_above_red(pinch_offset, expected):
    r = values(make_state(pinch_pos=ON_BLUE + pinch_offset))
    assert r["stack"] == 1.0
    np.testing.assert_allclose(r["stack_leave"], expected, rtol=1e-6)
    assert expected < 1.0 or r["composite"] == 1.0


def test_reach_and_grasp_values():
    red = np.array([0.6, 0.0, FLOOR + 0.02])
    at_red = dict(red_pos=red, pinch_pos=red, blue_pos=np.array([0.7, 0.05, FLOOR + 0.02]))
    # Reached, open fingers (grasp term 0.5 * 0.05): 1 * (0.5 + 0.025 / 2).
    np.testing.assert_allclose(values(make_state(**at_red))["reach_grasp"], 0.5125, rtol=1e-6)
    # Fingers fully closed without a grasp: grasp term 0.5.
    np.testing.assert_allclose(values(make_state(gripper_angle=255.0, **at_red))["reach_grasp"], 0.75, rtol=1e-6)
    assert values(make_state(grasp=2.0, gripper_angle=180.0, **at_red))["reach_grasp"] == 1.0
    # 15 cm away: reach = 0.05, below the 0.9 gate, so only half of it counts.
    far = make_state(grasp=2.0, **{**at_red, "pinch_pos": red + [0.0, 0.0, 0.15]})
    np.testing.assert_allclose(values(far)["reach_grasp"], 0.025, rtol=1e-6)


@pytest.mark.parametrize("gripper_angle, expected", [(0.0, 1.0), (127.5, 0.5), (255.0, 0.0)])
def test_open_is_proportional_to_the_opening(gripper_angle, expected):
    assert values(make_state(gripper_angle=gripper_angle))["open"] == pytest.approx(expected)


def lifted(z: float, red_half_height: float = 0.02, xy=(0.6, 0.0), **fields) -> float:
    red = np.array([xy[0], xy[1], z])
    return values(
        make_state(
            red_pos=red,
            pinch_pos=red,
            red_half_height=red_half_height,
            grasp=2.0,
            blue_pos=np.array([0.55, -0.05, FLOOR + 0.02]),
            **fields,
        )
    )["lift"]


def test_lift_ramps_from_3_5_to_8_cm_above_rest():
    # For a 4 cm object this is the reference's 0.1048 .. 0.1498.
    assert lifted(FLOOR + 0.02) == 0.0
    assert lifted(0.1048) == 0.0
    assert lifted(0.1273) == pytest.approx(0.5, abs=1e-5)
    assert lifted(0.1498) == pytest.approx(1.0)
    assert lifted(0.25) == 1.0
    # A 6 cm tall object rests 1 cm higher, so the same centre height is lifted less.
    assert lifted(0.1373, red_half_height=0.03) == pytest.approx(0.5, abs=1e-5)


def test_lift_is_scaled_by_the_grasp_term():
    red = np.array([0.6, 0.0, 0.2])
    closed = make_state(red_pos=red, pinch_pos=red, grasp=1.0, gripper_angle=255.0)
    assert values(closed)["lift"] == pytest.approx(0.5)


@pytest.mark.parametrize(
    "xy, z", [((0.74, 0.0), 0.2), ((0.6, -0.13), 0.2), ((0.6, 0.0), 0.275), ((0.7, 0.09), 0.15)]
)  # the last is in the box, outside its ellipsoid
def test_lift_is_zero_outside_the_workspace(xy, z):
    assert lifted(z, xy=xy) == 0.0


def test_lift_inside_the_workspace_near_its_edge():
    assert lifted(0.17, xy=(0.72, 0.0)) == 1.0


def test_place_shaping_and_minimum_height():
    above_target = ON_BLUE + [0.0, 0.0, 0.2]
    r = values(make_state(red_pos=above_target, pinch_pos=above_target))
    np.testing.assert_allclose(r["place"], 0.05, rtol=1e-5)
    # Exactly on a flat blue object (2 cm) with a 2 cm red one, but red's centre is below 0.1.
    flat_blue = np.array([0.6, 0.0, FLOOR + 0.01])
    low = make_state(
        blue_pos=flat_blue,
        red_pos=flat_blue + [0, 0, 0.02],
        red_half_height=0.01,
        blue_half_height=0.01,
        pinch_pos=flat_blue + [0, 0, 0.12],
    )
    r = values(low)
    assert r["stack"] == 1.0 and r["place"] == 0.0


@pytest.mark.parametrize(
    "fields",
    [
        dict(red_touches_blue=0.0),
        dict(red_touches_ground=1.0),
        dict(red_touches_robot=1.0),
        dict(red_pos=ON_BLUE + [0.05, 0.0, 0.0]),
        dict(red_pos=BLUE + [0.0, 0.0, 0.019]),
    ],
)
def test_sparse_success_requires_every_condition(fields):
    assert values(make_state(**fields))["sparse_success"] == 0.0


def scan_composite(stages: List[float]) -> float:
    """The reference's staged reward, written as its backwards scan."""
    for i in reversed(range(len(stages))):
        if stages[i] > 0.01:
            return (i + stages[i]) / len(stages)
    return stages[0] / len(stages)


@pytest.mark.parametrize(
    "stages, expected",
    [
        ([0.5, 0.0, 0.0, 0.0, 0.0], 0.1),
        ([1.0, 0.3, 0.0, 0.0, 0.0], 0.26),
        ([1.0, 1.0, 0.005, 0.0, 0.0], 0.4),  # place below the 0.01 threshold
        ([0.0, 0.0, 0.0, 0.5, 0.0], 0.7),  # later stages count without the earlier ones
        ([1.0, 1.0, 1.0, 1.0, 0.02], 0.804),
        ([0.005, 0.0, 0.0, 0.0, 0.0], 0.001),  # none above: reach_grasp / 5
        ([0.0, 0.0, 0.0, 0.0, 0.0], 0.0),
    ],
)
def test_composite_takes_the_last_stage_above_threshold(stages, expected):
    assert rewards.staged_reward(np.array(stages)) == pytest.approx(expected)
    assert scan_composite(stages) == pytest.approx(expected)


def test_composite_equals_the_backwards_scan_on_random_stages():
    rng = np.random.default_rng(0)
    stages = rng.uniform(size=(200, 5)) * (rng.uniform(size=(200, 5)) < 0.5)  # [200, 5], many zeros
    stages[:20] *= 0.012  # values around the threshold
    expected = [scan_composite(list(row)) for row in stages]
    np.testing.assert_allclose(rewards.staged_reward(stages), expected, rtol=1e-12)


def random_states(shape, seed: int = 0) -> rewards.RewardState:
    """States over the workspace; a third of them stacked (or nearly) so every reward varies."""
    rng = np.random.default_rng(seed)
    blue = np.concatenate(
        [rng.uniform([0.5, -0.1], [0.7, 0.1], shape + (2,)), np.full(shape + (1,), FLOOR + 0.02)], axis=-1
    )
    red = rng.uniform([0.48, -0.15, FLOOR], [0.72, 0.15, 0.3], shape + (3,))
    stacked = rng.uniform(size=shape) < 0.33
    red = np.where(stacked[..., None], blue + [0.0, 0.0, 0.04] + rng.normal(0.0, 0.008, shape + (3,)), red)
    pinch = red + rng.normal([0.0, 0.0, 0.06], 0.05, shape + (3,))
    return rewards.RewardState(
        pinch_pos=pinch,
        red_pos=red,
        blue_pos=blue,
        green_pos=rng.uniform(0.0, 0.3, shape + (3,)),
        red_half_height=rng.uniform(0.015, 0.03, shape),
        blue_half_height=np.full(shape, 0.02),
        gripper_angle=rng.uniform(0.0, 255.0, shape),
        grasp=rng.integers(1, 4, shape).astype(np.float64),
        red_touches_blue=stacked.astype(np.float64),
        red_touches_ground=(~stacked).astype(np.float64),
        red_touches_robot=(rng.uniform(size=shape) < 0.2).astype(np.float64),
    )


def test_batched_computation_equals_per_element_computation():
    states = random_states((4, 5))
    batched = rewards.compute_rewards(states)
    for index in np.ndindex(4, 5):
        single = rewards.compute_rewards(rewards.RewardState(*(np.asarray(f)[index] for f in states)))
        for name in rewards.REWARD_NAMES:
            assert batched[name].shape == (4, 5) and batched[name].dtype == np.float32
            assert batched[name][index] == single[name], (name, index)
    for name in rewards.REWARD_NAMES:  # the random states exercise every reward
        assert np.ptp(batched[name]) > 0, name


def test_all_rewards_lie_in_the_unit_interval():
    out = rewards.reward_vector(random_states((1000,), seed=1), rewards.REWARD_NAMES)  # [1000, 8]
    assert out.shape == (1000, len(rewards.REWARD_NAMES))
    assert np.all(np.isfinite(out)) and out.min() >= 0.0 and out.max() <= 1.0


def test_vector_round_trip_keeps_batch_dims_and_layout():
    states = random_states((4, 5))
    vector = states.to_vector()
    assert vector.shape == (4, 5, rewards.STATE_SIZE) == (4, 5, 19) and vector.dtype == np.float32
    np.testing.assert_array_equal(vector[..., 3:6], states.red_pos.astype(np.float32))
    assert np.all(vector[..., 15] == states.grasp)
    restored = rewards.RewardState.from_vector(vector)
    for name, original, value in zip(rewards.RewardState._fields, states, restored):
        assert value.shape == np.shape(original), name
        np.testing.assert_array_equal(value, np.asarray(original, dtype=np.float32), err_msg=name)


def test_to_vector_broadcasts_unbatched_fields():
    state = make_state()._replace(red_pos=np.tile(ON_BLUE, (2, 1)))  # [2, 3]
    vector = state.to_vector()
    assert vector.shape == (2, rewards.STATE_SIZE)
    np.testing.assert_array_equal(vector[0], vector[1])


def test_vector_shape_errors():
    with pytest.raises(ValueError, match=r"\[\.\.\., 19\]"):
        rewards.RewardState.from_vector(np.zeros((2, 18)))
    with pytest.raises(ValueError, match="pinch_pos"):
        make_state(pinch_pos=np.zeros(2)).to_vector()


def test_rewards_from_observation_relabels_a_task_subset():
    states = random_states((3, 7), seed=2)
    observation = {rewards.REWARD_STATE_KEY: states.to_vector(), "gripper/grasp": np.zeros((3, 7))}
    relabelled = rewards.rewards_from_observation(observation, ("stack_leave", "lift"))  # [3, 7, 2]
    expected = rewards.compute_rewards(rewards.RewardState.from_vector(observation[rewards.REWARD_STATE_KEY]))
    assert relabelled.shape == (3, 7, 2)
    np.testing.assert_array_equal(relabelled[..., 0], expected["stack_leave"])
    np.testing.assert_array_equal(relabelled[..., 1], expected["lift"])
    full = rewards.rewards_from_observation(observation)
    assert full.shape == (3, 7, len(rewards.TASK_NAMES)) and full.dtype == np.float32
    np.testing.assert_array_equal(full[..., rewards.TASK_NAMES.index("lift")], expected["lift"])


def test_single_state_reward_vector_matches_the_environment_contract():
    vector = rewards.reward_vector(make_state())
    assert vector.shape == (6,) and vector.dtype == np.float32
    relabelled = rewards.rewards_from_observation({rewards.REWARD_STATE_KEY: make_state().to_vector()})
    np.testing.assert_allclose(relabelled, vector, rtol=1e-5)  # the stored state is float32


def test_unknown_task_names_and_missing_state_are_reported():
    observation = {rewards.REWARD_STATE_KEY: make_state().to_vector()}
    with pytest.raises(ValueError, match=r"\['stack_and_go'\].*valid names.*'reach_grasp'"):
        rewards.rewards_from_observation(observation, ("stack", "stack_and_go"))
    with pytest.raises(ValueError, match="sequence of names"):
        rewards.rewards_from_observation(observation, "stack")
    with pytest.raises(ValueError, match="privileged/reward_state"):
        rewards.rewards_from_observation({"gripper/grasp": np.ones(3)})
