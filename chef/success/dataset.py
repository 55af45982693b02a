"""Success-detector examples from RLDS episodes: final camera frames, predicate labels.

One example per episode: the last step's image of every camera, the success
label of every family task from the simulator predicates (standing in for
MT-Opt's human labels), the task the episode was collected for (metadata
`task_sequence[0]`) and its collection seed (from the recorded chain seed) as the group for
held-out splits.
"""

import os
from typing import Sequence

import numpy as np
import tensorflow_datasets as tfds

from chef.data import rlds_reader
from chef.mtopt.collection import collection_seed
from chef.mtopt.episodes import episode_half_heights, predicate_labels
from chef.mtopt.tasks import TaskFamily
from chef.success.model import stack_cameras
from chef.success.training import DetectorDataset
from rgb_stacking_env.rewards import REWARD_STATE_KEY


def final_frame_dataset(
    directories: Sequence[str | os.PathLike], family: TaskFamily, camera_keys: Sequence[str]
) -> DetectorDataset:
    """Reads every episode of `directories` into a DetectorDataset (images [N, C, H, W, 3])."""
    images, labels, primary, groups = [], [], [], []
    for directory in directories:
        for episode in tfds.as_numpy(rlds_reader.episode_dataset(directory, steps_as_tensors=True)):
            observation = episode["steps"]["observation"]
            task = episode["task_sequence"][0]
            task = task.decode() if isinstance(task, bytes) else str(task)
            images.append(stack_cameras({k: observation[k][-1:] for k in camera_keys}, camera_keys)[0])
            labels.append(
                predicate_labels(
                    episode_half_heights(directory, episode),
                    {REWARD_STATE_KEY: observation[REWARD_STATE_KEY][-1]},
                    family,
                )
            )
            primary.append(family.task_id(task))
            groups.append(collection_seed(episode["seed"]))
    if not images:
        raise ValueError(f"no episodes in {list(directories)}")
    return DetectorDataset(np.stack(images), np.stack(labels), np.asarray(primary), np.asarray(groups))
