"""The scripted policy lifts and stacks the cube of triplet 4 (grasp and stacking physics end to end)."""
import numpy as np

import rgb_stacking_env
from rgb_stacking_env.scripted_policy import Phase, ScriptedStackingPolicy, horizontal_face_yaw, wrap_angle

_EPISODES = 8


def test_scripted_policy_lifts_and_stacks_triplet_4_at_its_measured_rates():
    """Rates over seeded episodes with a margin: single contact outcomes differ between CPUs.

    Over 50 episodes (docs/environment.md) it lifted red in 100 % and stacked it in 78 %;
    at 90 % and 70 % the bounds below fail with probability < 1e-3.
    """
    env = rgb_stacking_env.make("4", seed=1)
    policy = ScriptedStackingPolicy()
    lifted = stacked = 0
    for _ in range(_EPISODES):
        timestep = env.reset()
        policy.reset()
        episode_lifted = False
        while not timestep.last():
            timestep = env.step(policy(timestep.observation))
            episode_lifted |= env.last_rewards["lift"] > 0.5
        lifted += episode_lifted
        stacked += env.last_rewards["stack_leave"] == 1.0 and policy.phase == Phase.RETREAT
    assert lifted >= 5 and stacked >= 2, (lifted, stacked)


def test_face_yaw_is_defined_modulo_a_quarter_turn():
    yaw = 0.3
    upright = np.array([np.cos(yaw / 2), 0.0, 0.0, np.sin(yaw / 2)])
    assert abs(wrap_angle(horizontal_face_yaw(upright) - yaw, np.pi / 2)) < 1e-9
    on_side = np.array([np.cos(np.pi / 4), np.sin(np.pi / 4), 0.0, 0.0])  # rolled 90 deg about x
    assert abs(wrap_angle(horizontal_face_yaw(on_side), np.pi / 2)) < 1e-9
