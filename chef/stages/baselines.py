"""Reference policies a learning curve is read against: the uniform random and the noisy
scripted policy, run on a stage config's environment."""

import ml_collections
import numpy as np
from tqdm import trange

from chef.agents.random_actor import UniformRandomActor
from chef.agents.scripted import ScriptedStackingActor
from chef.stages import components, episodes

POLICIES = ("random", "scripted")


def policy_returns(
    config: ml_collections.ConfigDict,
    policy: str,
    num_episodes: int,
    scripted_noise: float = 0.2,
    progress: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """(returns [E, T], success [E, T] as 0/1) of `policy` over `num_episodes` episodes of
    `config.env`, per task of the environment (seeded by `config.seed`)."""
    if policy not in POLICIES:
        raise ValueError(f"unknown baseline policy {policy!r}; valid: {POLICIES}")
    env = components.make_env(config, seed=config.seed)
    if policy == "random":
        actor = UniformRandomActor(env.action_spec().shape[0], seed=config.seed)
    else:
        actor = ScriptedStackingActor(env.to_canonical, scripted_noise, seed=config.seed)
    returns, successes = [], []
    try:
        for _ in trange(num_episodes, desc=f"{policy} episodes", disable=not progress, leave=False):
            result = episodes.run_episode(env, actor, [0], config.env.episode_length)
            returns.append(result.returns)
            successes.append(result.success)
    finally:
        env.close()
    return np.stack(returns), np.asarray(successes, np.float64)
