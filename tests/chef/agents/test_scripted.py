import numpy as np

import rgb_stacking_env
from chef.agents.random_actor import UniformRandomActor
from chef.agents.scripted import ScriptedStackingActor
from chef.stages import episodes
from chef.wrappers import CanonicalActions
from rgb_stacking_env.scripted_policy import Phase


def test_noiseless_scripted_actor_stacks_through_canonical_actions():
    env = CanonicalActions(rgb_stacking_env.make(object_set="1", seed=0, episode_length=300))
    actor = ScriptedStackingActor(env.to_canonical, action_noise=0.0)
    result = episodes.run_episode(env, actor, [0], 300)
    assert result.rewards[:, rgb_stacking_env.TASK_NAMES.index("lift")].max() > 0.9
    assert result.success[rgb_stacking_env.TASK_NAMES.index("stack_leave")]
    assert actor._policy.phase != Phase.APPROACH
    actor.observe_first(env.reset())  # A new episode restarts the script.
    assert actor._policy.phase == Phase.APPROACH
    env.close()


def test_random_actor_is_uniform_in_the_canonical_box():
    actor = UniformRandomActor(5, seed=0)
    samples = np.stack([actor.select_action({}) for _ in range(2000)])  # [N, 5]
    assert samples.min() >= -1.0 and samples.max() <= 1.0
    np.testing.assert_allclose(samples.mean(0), 0.0, atol=0.05)
    np.testing.assert_allclose(samples.std(0), np.sqrt(1 / 3), atol=0.03)
