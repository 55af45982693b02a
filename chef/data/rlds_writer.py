"""Writes every finished actor episode to an RLDS dataset directory (see layout.py).

Episodes follow RLDS: step i holds observation o_i, the action a_i taken there, and the reward
vector r_i [T] and discount d_i received after it; the last step holds the final observation
(is_last; is_terminal when its discount is 0) with zero action and reward. Episode-level
fields carry the metadata of `EpisodeMetadata`. Images (uint8 [H, W, C] observations) are
stored PNG-encoded.

One writer per directory (a lock file refuses a second one); a restarted writer appends.
"""
import dataclasses
import fcntl
import json
import os
import pathlib
from typing import Any

import dm_env
import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds
from absl import logging
from tensorflow_datasets.core import dataset_info, naming, splits

from chef import types
from chef.data import layout


@dataclasses.dataclass(frozen=True)
class EpisodeMetadata:
    """Who made an episode and how it went."""

    stage: str
    success: tuple[bool, ...]  # [T] per task, in the dataset's task order.
    policy_version: int = -1
    checkpoint: str = ""
    task_sequence: tuple[str, ...] = ()  # The scheduler's task per episode segment.
    triplet: str = ""
    seed: int = -1


def _is_image(value: np.ndarray) -> bool:
    return value.dtype == np.uint8 and value.ndim == 3 and value.shape[-1] in (1, 3, 4)


def _array_feature(value: np.ndarray, image_format: str) -> tfds.features.FeatureConnector:
    if _is_image(value):
        return tfds.features.Image(shape=value.shape, encoding_format=image_format)
    return tfds.features.Tensor(shape=value.shape, dtype=value.dtype)


def episode_features(observation: types.Observation, action: np.ndarray, num_tasks: int,
                     image_format: str = "png") -> tfds.features.FeaturesDict:
    """The TFDS features of a chef episode for observations/actions shaped like the examples."""
    step = {
        "observation": tfds.features.FeaturesDict(
            {k: _array_feature(np.asarray(v), image_format) for k, v in observation.items()}),
        "action": tfds.features.Tensor(shape=np.shape(action), dtype=np.asarray(action).dtype),
        "reward": tfds.features.Tensor(shape=(num_tasks,), dtype=np.float32),
        "discount": tfds.features.Scalar(dtype=np.float32),
        "is_first": tfds.features.Scalar(dtype=np.bool_),
        "is_last": tfds.features.Scalar(dtype=np.bool_),
        "is_terminal": tfds.features.Scalar(dtype=np.bool_),
    }
    return tfds.features.FeaturesDict({
        "steps": tfds.features.Dataset(step),
        "stage": tfds.features.Text(),
        "policy_version": tfds.features.Scalar(dtype=np.int64),
        "checkpoint": tfds.features.Text(),
        "task_sequence": tfds.features.Sequence(tfds.features.Text()),
        "triplet": tfds.features.Text(),
        "seed": tfds.features.Scalar(dtype=np.int64),
        "success": tfds.features.Tensor(shape=(num_tasks,), dtype=np.bool_),
    })


class EpisodeWriter:
    """Records an actor's episodes (observer API like the adder) and commits each atomically."""

    def __init__(self, directory: str | os.PathLike, task_names: types.TaskNames, image_format: str = "png"):
        if image_format not in ("png", "jpeg"):
            raise ValueError(f"image_format must be 'png' or 'jpeg', got {image_format!r}")
        if not task_names:
            raise ValueError("task_names must name at least one task")
        self._directory = pathlib.Path(directory)
        self._directory.mkdir(parents=True, exist_ok=True)
        self._task_names = tuple(task_names)
        self._image_format = image_format
        self._lock = open(self._directory / ".writer.lock", "w")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as e:
            raise layout.DatasetError(f"another EpisodeWriter is writing to {self._directory}") from e
        for stale in self._directory.glob(".*.tmp-*"):  # Left by a killed writer; never visible.
            stale.unlink()
        self._features = None
        self._shard_lengths: list[int] = []
        self._num_bytes = 0
        if (self._directory / "features.json").exists() and (self._directory / layout.CHEF_METADATA).exists():
            try:
                self._resume()
            except layout.DatasetError:
                self._lock.close()  # releases the directory for a writer with the right tasks and format
                raise
        self._steps: list[dict[str, Any]] = []
        self._complete = False

    def _resume(self) -> None:
        metadata = json.loads((self._directory / layout.CHEF_METADATA).read_text())
        layout.check_format_version(self._directory, metadata)
        stored = tuple(metadata["task_names"])
        if stored != self._task_names:
            raise layout.DatasetError(
                f"{self._directory} holds tasks {stored}, this writer was given {self._task_names}")
        self._features = tfds.features.FeatureConnector.from_config(str(self._directory))
        if (self._directory / layout.DATASET_INFO).exists():
            self._shard_lengths = list(layout.read_shard_lengths(self._directory))
            self._num_bytes = sum(layout.shard_path(self._directory, i).stat().st_size
                                  for i in range(len(self._shard_lengths)))
        logging.info("Appending to %s after %d episodes", self._directory, len(self._shard_lengths))

    @property
    def directory(self) -> pathlib.Path:
        return self._directory

    @property
    def num_episodes(self) -> int:
        return len(self._shard_lengths)

    def add_first(self, timestep: dm_env.TimeStep) -> None:
        if not timestep.first():
            raise ValueError(f"add_first needs a FIRST timestep, got step_type {timestep.step_type}")
        self._steps = [self._new_step(timestep, is_first=True)]
        self._complete = False

    def add(self, action: np.ndarray, next_timestep: dm_env.TimeStep) -> None:
        if not self._steps or self._complete:
            raise ValueError("add called outside an episode; call add_first first")
        reward = np.asarray(next_timestep.reward, dtype=np.float32)
        if reward.shape != (len(self._task_names),):
            raise ValueError(f"reward must have shape [{len(self._task_names)}] for tasks {self._task_names}, "
                             f"got {reward.shape}")
        self._steps[-1].update(action=np.asarray(action), reward=reward,
                               discount=np.float32(next_timestep.discount))
        self._steps.append(self._new_step(next_timestep, is_first=False))
        if next_timestep.last():
            last = self._steps[-1]
            last.update(is_last=True, is_terminal=bool(next_timestep.discount == 0),
                        action=np.zeros_like(self._steps[0]["action"]), reward=np.zeros_like(reward))
            self._complete = True

    @staticmethod
    def _new_step(timestep: dm_env.TimeStep, is_first: bool) -> dict[str, Any]:
        return {"observation": dict(timestep.observation), "is_first": is_first, "is_last": False,
                "is_terminal": False, "discount": np.float32(1.0)}

    def end_episode(self, metadata: EpisodeMetadata) -> int:
        """Commits the finished episode (its LAST timestep was added); returns its index."""
        if not self._complete:
            raise ValueError("end_episode before the episode's LAST timestep was added")
        if len(metadata.success) != len(self._task_names):
            raise ValueError(f"metadata.success needs one entry per task {self._task_names}, "
                             f"got {metadata.success}")
        if self._features is None:
            self._create_dataset(self._steps[0])
        episode = {"steps": self._steps, **dataclasses.asdict(metadata),
                   "success": np.asarray(metadata.success, dtype=np.bool_),
                   "task_sequence": list(metadata.task_sequence)}
        record = self._features.serialize_example(episode)
        index = len(self._shard_lengths)
        shard = layout.shard_path(self._directory, index)
        tmp = layout.temp_path(shard)
        with tf.io.TFRecordWriter(str(tmp)) as writer:
            writer.write(record)
        self._num_bytes += tmp.stat().st_size
        layout.durable_replace(tmp, shard)
        self._shard_lengths.append(1)
        self._write_info()  # The commit point: the shard becomes visible here.
        self._steps, self._complete = [], False
        return index

    def _create_dataset(self, first_step: dict[str, Any]) -> None:
        self._features = episode_features(first_step["observation"], first_step["action"],
                                          len(self._task_names), self._image_format)
        self._features.save_config(str(self._directory))
        metadata = {"task_names": list(self._task_names), "format_version": layout.FORMAT_VERSION}
        layout.durable_write(self._directory / layout.CHEF_METADATA, json.dumps(metadata, indent=2).encode())

    def _write_info(self) -> None:
        template = naming.ShardedFileTemplate(
            data_dir=self._directory, dataset_name=layout.DATASET_NAME, split=layout.SPLIT,
            filetype_suffix=layout.FILE_FORMAT, template=layout.FILE_TEMPLATE)
        identity = dataset_info.DatasetIdentity(
            name=layout.DATASET_NAME, version="1.0.0", data_dir=str(self._directory), module_name="chef.data")
        info = tfds.core.DatasetInfo(
            builder=identity, features=self._features,
            description=f"chef RLDS episodes; reward/success order: {list(self._task_names)}")
        info.set_splits(splits.SplitDict([splits.SplitInfo(
            name=layout.SPLIT, shard_lengths=list(self._shard_lengths), num_bytes=self._num_bytes,
            filename_template=template)]))
        layout.durable_write(self._directory / layout.DATASET_INFO, info.as_json.encode())

    def close(self) -> None:
        self._lock.close()
