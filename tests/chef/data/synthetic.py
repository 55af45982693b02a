"""Hand-built episodes whose every value identifies where it came from."""

import os
from typing import Sequence

import dm_env
import numpy as np

from chef.data import rlds_writer

TASKS = ("a", "b")


def observation(episode: int, step: int, image_size: int = 4, state_size: int = 3) -> dict[str, np.ndarray]:
    return {
        "state": np.array([episode, step] + [0] * (state_size - 2), np.float32),
        "camera/pixels": np.full((image_size, image_size, 3), 10 * episode + step, np.uint8),
    }


def write_episode(
    writer: rlds_writer.EpisodeWriter,
    episode: int,
    length: int = 4,
    success: bool = False,
    state_size: int = 3,
    image_size: int = 4,
) -> int:
    """Writes episode `episode`: observation (id, step), reward [step, id] after each action."""
    writer.add_first(dm_env.restart(observation(episode, 0, image_size, state_size)))
    for step in range(1, length + 1):
        reward = np.array([step, episode], np.float32)
        obs = observation(episode, step, image_size, state_size)
        timestep = dm_env.truncation(reward, obs) if step == length else dm_env.transition(reward, obs)
        writer.add(np.array([episode, step], np.float32), timestep)
    return writer.end_episode(
        rlds_writer.EpisodeMetadata(stage="collect", success=(success, not success), seed=episode)
    )


def write_episodes(
    directory: str | os.PathLike,
    episodes: Sequence[int],
    length: int = 4,
    success: Sequence[bool] | None = None,
    state_size: int = 3,
    image_size: int = 4,
    **writer_kwargs,
) -> None:
    """Writes one episode per id (see `write_episode`) with a new writer, then closes it."""
    writer = rlds_writer.EpisodeWriter(directory, TASKS, **writer_kwargs)
    for i, episode in enumerate(episodes):
        ok = bool(success[i]) if success is not None else False
        write_episode(writer, episode, length, ok, state_size, image_size)
    writer.close()
