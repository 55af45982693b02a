"""Physics stability: resting objects and a stacked pair stay put, a held grasp does not slip."""

import numpy as np
import pytest

import rgb_stacking_env
from rgb_stacking_env.grasp_check import hold_after_scripted_grasp
from rgb_stacking_env.reset import put_object
from rgb_stacking_env.rewards import compute_rewards
from rgb_stacking_env.scene import BASKET_ORIGIN

_HOLD = np.array([0.0, 0.0, 0.0, 0.0, -1.0], np.float32)  # robot still, gripper open
_TWO_SECONDS = 40  # control steps


@pytest.mark.parametrize("seed", [0, 1])
def test_settled_objects_drift_less_than_a_millimetre_in_two_seconds(seed):
    env = rgb_stacking_env.make("1", seed=seed)
    env.reset()
    before = env.simulation.object_poses()[:, :3].copy()
    for _ in range(_TWO_SECONDS):
        env.step(_HOLD)
    drift = np.linalg.norm(env.simulation.object_poses()[:, :3] - before, axis=1)  # [3] m
    assert drift.max() < 1e-3, drift


# The cube on b6 rests still; r3 on b2 (both non-cuboid) keeps rocking slightly (see docs).
@pytest.mark.parametrize("triplet, max_drift", [("1", 5e-3), ("4", 1e-3), ("5", 1e-3)])
def test_red_placed_on_blue_stays_stacked(triplet, max_drift):
    env = rgb_stacking_env.make(triplet, seed=0)
    env.reset()
    sim = env.simulation
    floor = BASKET_ORIGIN[2]
    put_object(sim, 1, (0.52, -0.08), floor + 0.002)  # green out of the way
    put_object(sim, 2, (BASKET_ORIGIN[0], 0.0), floor + 0.001)
    _, blue_half_height = sim.object_extent(2)
    blue_top = sim.object_extent(2)[0][2] + blue_half_height
    put_object(sim, 0, (BASKET_ORIGIN[0], 0.0), blue_top + 0.001)
    for _ in range(30):  # 1.5 s to land and settle
        env.step(_HOLD)
    landed = sim.object_poses()[0, :3].copy()
    for _ in range(_TWO_SECONDS):
        env.step(_HOLD)
    rewards = compute_rewards(sim.reward_state(sim.contact_pairs()))
    assert rewards["stack"] == 1.0
    assert rewards["sparse_success"] == 1.0
    assert np.linalg.norm(sim.object_poses()[0, :3] - landed) < max_drift


@pytest.mark.parametrize("triplet", ["1", "2", "3", "4", "5"])
def test_scripted_grasp_holds_red_for_five_seconds_without_slipping(triplet):
    """Red on its flattest face: the scripted grasp lifts it, then the arm holds still for 5 s.

    A grasp slips when the gripper's linkage constraints are softened by a large physics step
    (MuJoCo clamps their 5 ms time constant to 2 timesteps); at 5 ms most holds dropped red.
    """
    # The grasp itself can fail from some arm start poses (14 of 15 lifted in benchmarks/grasp_hold.py):
    # up to three seeds for one lifted red; the hold is what is asserted.
    env = rgb_stacking_env.make(triplet, seed=0)
    for _ in range(3):
        result = hold_after_scripted_grasp(env, hold_steps=100)
        if result.lifted:
            break
    assert result.lifted, result.grasp_steps
    assert result.slip.max() < 2e-3 and result.grasped.mean() > 0.9, (result.slip.max(), result.grasped.mean())
