"""Real environment episodes of uniform random canonical actions, written as an actor writes them."""

import os
from typing import Sequence

import ml_collections
import numpy as np

import rgb_stacking_env
from chef import env_metadata
from chef.data import rlds_writer
from chef.stages import components, episodes
from rgb_stacking_env import object_sets


class RandomActor:
    """Uniform canonical actions (the `run_episode` actor interface)."""

    def __init__(self, seed: int):
        self._rng = np.random.default_rng(seed)

    def observe_first(self, timestep) -> None:
        del timestep

    def set_task(self, task: int) -> None:
        del task

    def select_action(self, observation) -> np.ndarray:
        del observation
        return self._rng.uniform(-1.0, 1.0, 5).astype(np.float32)


class GripperActor(RandomActor):
    """Uniform canonical arm actions with a fixed gripper command (-1 opens, +1 closes)."""

    def __init__(self, seed: int, gripper: float):
        super().__init__(seed)
        self._gripper = gripper

    def select_action(self, observation) -> np.ndarray:
        action = super().select_action(observation)
        action[-1] = self._gripper
        return action


def write_random_episodes(
    directory: str | os.PathLike,
    config: ml_collections.ConfigDict,
    seeds: Sequence[int],
    stage: str = "collect",
    actor: RandomActor | None = None,
) -> None:
    """One episode of `config.env.episode_length` steps per seed in `directory` (a new dataset), by
    `actor` (uniform random actions by default)."""
    env = components.make_env(config, seed=123)
    writer = rlds_writer.EpisodeWriter(directory, rgb_stacking_env.TASK_NAMES, environment=env_metadata.describe(env))
    actor = actor or RandomActor(0)
    for seed in seeds:
        result = episodes.run_episode(env, actor, [0], config.env.episode_length, [writer], seed=seed)
        writer.end_episode(
            rlds_writer.EpisodeMetadata(
                stage=stage,
                success=result.success,
                triplet=object_sets.triplet_label(env.simulation.scene.triplet),
                seed=seed,
            )
        )
    writer.close()
    env.close()
