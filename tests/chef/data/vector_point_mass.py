"""A small real dm_env for data tests: dm_control point_mass with a reward vector.

Its observation carries 'privileged/reward_state' = [x, y] of the mass and a tiny uint8 image,
like the RGB-Stacking environment, so rewards can be relabelled from stored observations.
"""

from typing import Mapping, Optional

import dm_env
import numpy as np
from dm_control import suite
from dm_env import specs

TASK_NAMES = ("right", "up")


def reward_fn(observation: Mapping[str, np.ndarray]) -> np.ndarray:
    """[N, 2]: is the mass right of / above the target (reads only the reward state)."""
    state = np.asarray(observation["privileged/reward_state"])  # [N, 2]
    return (state > 0).astype(np.float32)


def left_reward_fn(observation: Mapping[str, np.ndarray]) -> np.ndarray:
    """[N, 1]: a task defined 'later': is the mass left of the target."""
    return (np.asarray(observation["privileged/reward_state"])[:, :1] < 0).astype(np.float32)


class VectorPointMass(dm_env.Environment):
    """point_mass 'easy' with reward [2] from `reward_fn` and an optional forced termination."""

    def __init__(self, seed: int, num_steps: int = 10, terminate_at: Optional[int] = None, image_size: int = 8):
        self._env = suite.load("point_mass", "easy", task_kwargs={"random": seed, "time_limit": 0.02 * num_steps})
        self._terminate_at = terminate_at
        self._image_size = image_size
        self._steps = 0

    def _observation(self, timestep: dm_env.TimeStep) -> dict[str, np.ndarray]:
        position = timestep.observation["position"].astype(np.float32)
        pixel = np.uint8(np.clip(128 + 100 * position[0], 0, 255))
        return {
            "position": position,
            "velocity": timestep.observation["velocity"].astype(np.float32),
            "camera/pixels": np.full((self._image_size, self._image_size, 3), pixel, np.uint8),
            "privileged/reward_state": position,
        }

    def reset(self) -> dm_env.TimeStep:
        self._steps = 0
        return dm_env.restart(self._observation(self._env.reset()))

    def step(self, action: np.ndarray) -> dm_env.TimeStep:
        timestep = self._env.step(action)
        self._steps += 1
        observation = self._observation(timestep)
        reward = reward_fn({k: v[None] for k, v in observation.items()})[0]
        if self._terminate_at is not None and self._steps == self._terminate_at:
            return dm_env.termination(reward, observation)
        if timestep.last():
            return dm_env.truncation(reward, observation)
        return dm_env.transition(reward, observation)

    def observation_spec(self) -> dict[str, specs.Array]:
        vector = specs.Array((2,), np.float32)
        return {
            "position": vector,
            "velocity": vector,
            "privileged/reward_state": vector,
            "camera/pixels": specs.Array((self._image_size, self._image_size, 3), np.uint8),
        }

    def action_spec(self):
        return self._env.action_spec()


def run_episode(env: VectorPointMass, observers, seed: int) -> list[dm_env.TimeStep]:
    """Runs one episode with random actions, feeding every observer (adder / writer)."""
    rng = np.random.default_rng(seed)
    timestep = env.reset()
    timesteps = [timestep]
    for observer in observers:
        observer.add_first(timestep)
    while not timestep.last():
        action = rng.uniform(-1, 1, size=2).astype(np.float32)
        timestep = env.step(action)
        timesteps.append(timestep)
        for observer in observers:
            observer.add(action, timestep)
    return timesteps
