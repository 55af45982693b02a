"""The scripted policy stacks the cube of triplet 4 (grasp and stacking physics end to end)."""
import numpy as np

import rgb_stacking_env
from rgb_stacking_env.scripted_policy import Phase, ScriptedStackingPolicy, horizontal_face_yaw, wrap_angle


def test_scripted_policy_stacks_triplet_4():
    env = rgb_stacking_env.make("4", seed=0, episode_length=260)
    policy = ScriptedStackingPolicy()
    successes = []
    for _ in range(3):
        timestep = env.reset()
        policy.reset()
        lifted = False
        while not timestep.last():
            timestep = env.step(policy(timestep.observation))
            lifted |= env.last_rewards["lift"] > 0.5
        assert lifted  # the grasp held the cube in the air
        successes.append(env.last_rewards["stack_leave"] == 1.0 and policy.phase == Phase.RETREAT)
    assert sum(successes) >= 2, successes


def test_face_yaw_is_defined_modulo_a_quarter_turn():
    yaw = 0.3
    upright = np.array([np.cos(yaw / 2), 0.0, 0.0, np.sin(yaw / 2)])
    assert abs(wrap_angle(horizontal_face_yaw(upright) - yaw, np.pi / 2)) < 1e-9
    on_side = np.array([np.cos(np.pi / 4), np.sin(np.pi / 4), 0.0, 0.0])  # rolled 90 deg about x
    assert abs(wrap_angle(horizontal_face_yaw(on_side), np.pi / 2)) < 1e-9
