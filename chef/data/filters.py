"""Episode predicates for tf.data `filter`, e.g. successful episodes only (filtered BC / RL)."""

from typing import Callable, Mapping

import tensorflow as tf

from chef import types

EpisodeFilter = Callable[[Mapping[str, tf.Tensor]], tf.Tensor]  # episode -> scalar bool


def by_success(task: str, task_names: types.TaskNames, success: bool = True) -> EpisodeFilter:
    """Keeps episodes whose stored success for `task` equals `success`."""
    task_names = tuple(task_names)
    if task not in task_names:
        raise ValueError(f"unknown task {task!r}; the dataset's tasks are {list(task_names)}")
    index = task_names.index(task)
    return lambda episode: tf.equal(episode["success"][index], success)


def by_stage(stage: str) -> EpisodeFilter:
    """Keeps episodes recorded by `stage` (e.g. 'collect', 'execute')."""
    return lambda episode: tf.equal(episode["stage"], stage)
