"""Writes every finished actor episode to an RLDS dataset directory (see layout.py).

Episodes follow RLDS: step i holds observation o_i, the action a_i taken there, and the reward
vector r_i [T] and discount d_i received after it; the last step holds the final observation
(is_last; is_terminal when its discount is 0) with zero action and reward. Episode-level
fields carry the metadata of `EpisodeMetadata`. Images (uint8 [H, W, C] observations) are
stored PNG-encoded.

Several episodes per shard, each committed by one appended index line (layout.py): a killed
writer leaves exactly its complete episodes readable, and committing costs the same at the
400 000th episode as at the first. One writer per directory (a lock file refuses a second one);
a restarted writer drops the uncommitted tail and appends, starting a new shard.
"""

import dataclasses
import fcntl
import json
import os
import pathlib
import time
from typing import Any, Mapping

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
    # [3] red, green, blue half-heights along world z at the episode's (chain's) reset, from the scene;
    # () where not recorded. The predicates of chained segments read them (`chef.mtopt.episodes`).
    object_half_heights: tuple[float, ...] = ()


def _is_image(value: np.ndarray) -> bool:
    return value.dtype == np.uint8 and value.ndim == 3 and value.shape[-1] in (1, 3, 4)


def _array_feature(value: np.ndarray, image_format: str) -> tfds.features.FeatureConnector:
    if _is_image(value):
        return tfds.features.Image(shape=value.shape, encoding_format=image_format)
    return tfds.features.Tensor(shape=value.shape, dtype=value.dtype)


def episode_features(
    observation: types.Observation, action: np.ndarray, num_tasks: int, image_format: str = "png"
) -> tfds.features.FeaturesDict:
    """The TFDS features of a chef episode for observations/actions shaped like the examples."""
    step = {
        "observation": tfds.features.FeaturesDict(
            {k: _array_feature(np.asarray(v), image_format) for k, v in observation.items()}
        ),
        "action": tfds.features.Tensor(shape=np.shape(action), dtype=np.asarray(action).dtype),
        "reward": tfds.features.Tensor(shape=(num_tasks,), dtype=np.float32),
        "discount": tfds.features.Scalar(dtype=np.float32),
        "is_first": tfds.features.Scalar(dtype=np.bool_),
        "is_last": tfds.features.Scalar(dtype=np.bool_),
        "is_terminal": tfds.features.Scalar(dtype=np.bool_),
    }
    return tfds.features.FeaturesDict(
        {
            "steps": tfds.features.Dataset(step),
            "stage": tfds.features.Text(),
            "policy_version": tfds.features.Scalar(dtype=np.int64),
            "checkpoint": tfds.features.Text(),
            "task_sequence": tfds.features.Sequence(tfds.features.Text()),
            "triplet": tfds.features.Text(),
            "seed": tfds.features.Scalar(dtype=np.int64),
            "success": tfds.features.Tensor(shape=(num_tasks,), dtype=np.bool_),
            "object_half_heights": tfds.features.Sequence(tfds.features.Scalar(dtype=np.float32)),
        }
    )


# Shards are the unit readers shuffle: 8 MiB holds about a dozen 400-step state episodes (one or
# two vision ones), so even a small dataset spreads over many shards.
MAX_SHARD_BYTES = 8 * 2**20


class _WriterBusy(layout.DatasetError):
    """Another EpisodeWriter holds the directory's lock."""


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} {value!r} is not JSON-serialisable")


class EpisodeWriter:
    """Records an actor's episodes (observer API like the adder) and commits each atomically.

    Episodes are appended to the current shard (one TFRecord each); a shard is closed once it
    holds `max_shard_bytes` and the next episode starts a new one. `end_episode` commits by
    appending one line to the index, after the record was flushed to its shard; with `durable`
    (default) the shard and then the index are fsynced, so a committed episode also
    survives a power loss (without: it survives a killed process). `environment` (JSON-able,
    e.g. the environment's make() arguments) is stored in chef_metadata.json when the dataset is
    created. `close()` writes the TFDS dataset_info.json (see `finalize` for a writer that could
    not close).
    """

    def __init__(
        self,
        directory: str | os.PathLike,
        task_names: types.TaskNames,
        image_format: str = "png",
        *,
        max_shard_bytes: int = MAX_SHARD_BYTES,
        environment: Mapping[str, Any] | None = None,
        durable: bool = True,
    ):
        if image_format not in ("png", "jpeg"):
            raise ValueError(f"image_format must be 'png' or 'jpeg', got {image_format!r}")
        if not task_names:
            raise ValueError("task_names must name at least one task")
        if max_shard_bytes < 1:
            raise ValueError(f"max_shard_bytes must be >= 1, got {max_shard_bytes}")
        try:  # Refused here rather than at the first episode.
            self._environment = (
                None if environment is None else json.loads(json.dumps(dict(environment), default=_jsonable))
            )
        except (TypeError, ValueError) as e:
            raise ValueError(f"environment must be JSON-serialisable: {e}") from e
        self._directory = pathlib.Path(directory)
        self._directory.mkdir(parents=True, exist_ok=True)
        self._task_names = tuple(task_names)
        self._image_format = image_format
        self._max_shard_bytes = max_shard_bytes
        self._durable = durable
        self._lock = open(self._directory / ".writer.lock", "w")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as e:
            self._lock.close()
            raise _WriterBusy(f"another EpisodeWriter is writing to {self._directory}") from e
        for stale in self._directory.glob(".*.tmp-*"):  # Left by a killed writer; never visible.
            stale.unlink()
        self._features = None
        self._shard_lengths: list[int] = []  # Committed episodes per shard.
        self._shard_ends: list[int] = []  # Committed bytes per shard.
        self._num_episodes = 0
        self._info_lengths: tuple[int, ...] | None = None  # What dataset_info.json lists.
        self._record_writer: tf.io.TFRecordWriter | None = None  # The open (last) shard.
        self._shard_fd: int | None = None
        self._index_fd: int | None = None
        self._index_bytes = 0
        self._closed = False
        if (self._directory / layout.FEATURES).exists() and (self._directory / layout.CHEF_METADATA).exists():
            try:
                self._resume()
            except layout.DatasetError:
                self._lock.close()  # releases the directory for a writer with the right tasks and format
                raise
        self._steps: list[dict[str, Any]] = []
        self._complete = False

    def _resume(self) -> None:
        """Checks the dataset, then drops what no index line commits: a torn last index line, a
        torn record at the end of the last shard, shards after it."""
        metadata = json.loads((self._directory / layout.CHEF_METADATA).read_text())
        layout.check_format_version(self._directory, metadata)
        stored = tuple(metadata["task_names"])
        if stored != self._task_names:
            raise layout.DatasetError(
                f"{self._directory} holds tasks {stored}, this writer was given {self._task_names}"
            )
        self._features = tfds.features.FeatureConnector.from_config(str(self._directory))
        index = self._directory / layout.INDEX
        data = index.read_bytes() if index.exists() else b""
        entries, self._index_bytes = layout.parse_index(data, index)
        if self._index_bytes < len(data):
            logging.warning("Dropping the torn last line of %s", index)
            os.truncate(index, self._index_bytes)
        for entry in entries:
            if entry["shard"] == len(self._shard_lengths):
                self._shard_lengths.append(0)
                self._shard_ends.append(0)
            self._shard_lengths[-1] += 1
            self._shard_ends[-1] = entry["end"]
        self._num_episodes = len(entries)
        for path in self._directory.glob(f"{layout.DATASET_NAME}-*"):
            number = layout.shard_number(path)
            if number is not None and number >= len(self._shard_lengths):
                logging.warning("Deleting %s: it holds no committed episode", path)
                path.unlink()
        for number, end in enumerate(self._shard_ends):
            path = layout.shard_path(self._directory, number)
            size = path.stat().st_size if path.is_file() else 0
            if size < end:
                raise layout.DatasetError(
                    f"dataset shard {path} holds {size} bytes, less than the {end} of its "
                    "committed episodes: it is damaged, refusing to append"
                )
            if size > end:
                logging.warning("Truncating %s to its committed %d bytes (it had %d)", path, end, size)
                os.truncate(path, end)
                if self._durable:
                    layout.fsync(path)
        if self._durable:
            layout.fsync(self._directory)
        try:
            self._info_lengths = layout.read_shard_lengths(self._directory)
        except (OSError, ValueError, KeyError, TypeError):
            self._info_lengths = None
        if self._shard_lengths and self._info_lengths != tuple(self._shard_lengths):
            self._write_info()  # Stale after a killed writer: plain tfds sees every committed episode again.
        logging.info("Appending to %s after %d episodes", self._directory, self.num_episodes)

    @property
    def directory(self) -> pathlib.Path:
        return self._directory

    @property
    def num_episodes(self) -> int:
        return self._num_episodes

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
            raise ValueError(
                f"reward must have shape [{len(self._task_names)}] for tasks {self._task_names}, got {reward.shape}"
            )
        self._steps[-1].update(action=np.asarray(action), reward=reward, discount=np.float32(next_timestep.discount))
        self._steps.append(self._new_step(next_timestep, is_first=False))
        if next_timestep.last():
            last = self._steps[-1]
            last.update(
                is_last=True,
                is_terminal=bool(next_timestep.discount == 0),
                action=np.zeros_like(self._steps[0]["action"]),
                reward=np.zeros_like(reward),
            )
            self._complete = True

    @staticmethod
    def _new_step(timestep: dm_env.TimeStep, is_first: bool) -> dict[str, Any]:
        return {
            "observation": dict(timestep.observation),
            "is_first": is_first,
            "is_last": False,
            "is_terminal": False,
            "discount": np.float32(1.0),
        }

    def end_episode(self, metadata: EpisodeMetadata) -> int:
        """Commits the finished episode (its LAST timestep was added); returns its index."""
        if self._closed:
            raise ValueError("end_episode after close")
        if not self._complete:
            raise ValueError("end_episode before the episode's LAST timestep was added")
        if len(metadata.success) != len(self._task_names):
            raise ValueError(f"metadata.success needs one entry per task {self._task_names}, got {metadata.success}")
        if self._features is None:
            self._create_dataset(self._steps[0])
        episode = {
            "steps": self._steps,
            **dataclasses.asdict(metadata),
            "success": np.asarray(metadata.success, dtype=np.bool_),
            "task_sequence": list(metadata.task_sequence),
            "object_half_heights": np.asarray(metadata.object_half_heights, np.float32),
        }
        record = self._features.serialize_example(episode)
        index = self.num_episodes
        if self._record_writer is None:
            self._open_shard()
        shard = len(self._shard_lengths) - 1
        try:
            self._record_writer.write(record)
            self._record_writer.flush()
            end = os.fstat(self._shard_fd).st_size
            if self._durable:
                os.fsync(self._shard_fd)
            entry = {
                "episode": index,
                "shard": shard,
                "end": end,
                "length": len(self._steps),
                "success": [bool(s) for s in metadata.success],
                "stage": metadata.stage,
                "triplet": metadata.triplet,
                "seed": int(metadata.seed),
                "policy_version": int(metadata.policy_version),
            }
            self._append_index((json.dumps(entry, separators=(",", ":")) + "\n").encode())
        except BaseException:
            self._abandon_shard()  # Its uncommitted record must not precede a later committed one.
            raise
        # The commit point has passed: the episode is in the dataset.
        self._shard_lengths[-1] += 1
        self._shard_ends[-1] = end
        self._num_episodes += 1
        self._steps, self._complete = [], False
        if end >= self._max_shard_bytes:
            self._close_shard()
        return index

    def _open_shard(self) -> None:
        """Starts shard number len(shard_lengths): its (episodes, end) are (0, None) until its first commit."""
        path = layout.shard_path(self._directory, len(self._shard_lengths))
        self._record_writer = tf.io.TFRecordWriter(str(path))
        self._shard_fd = os.open(path, os.O_RDONLY)
        self._shard_lengths.append(0)
        self._shard_ends.append(None)
        if self._durable:
            layout.fsync(self._directory)

    def _close_shard(self) -> None:
        if self._record_writer is not None:
            self._record_writer.close()
            os.close(self._shard_fd)
            self._record_writer, self._shard_fd = None, None

    def _abandon_shard(self) -> None:
        """Closes the open shard after a failed commit and cuts it back to its committed records."""
        path = layout.shard_path(self._directory, len(self._shard_lengths) - 1)
        try:
            self._close_shard()
        finally:
            self._record_writer, self._shard_fd = None, None
            if self._shard_ends[-1] is None:
                self._shard_lengths.pop()
                self._shard_ends.pop()
                path.unlink(missing_ok=True)
            else:
                os.truncate(path, self._shard_ends[-1])

    def _append_index(self, line: bytes) -> None:
        if self._index_fd is None:
            self._index_fd = os.open(self._directory / layout.INDEX, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            if self._durable:
                layout.fsync(self._directory)
        try:
            if os.write(self._index_fd, line) != len(line):
                raise OSError(f"short write to {self._directory / layout.INDEX}")
            if self._durable:
                os.fsync(self._index_fd)
        except BaseException:
            os.ftruncate(self._index_fd, self._index_bytes)  # No partial line before the next one.
            raise
        self._index_bytes += len(line)

    def _create_dataset(self, first_step: dict[str, Any]) -> None:
        self._features = episode_features(
            first_step["observation"], first_step["action"], len(self._task_names), self._image_format
        )
        self._features.save_config(str(self._directory))
        metadata = {"task_names": list(self._task_names), "format_version": layout.FORMAT_VERSION}
        if self._environment is not None:
            metadata["environment"] = self._environment
        layout.durable_write(self._directory / layout.CHEF_METADATA, json.dumps(metadata, indent=2).encode())

    def _write_info(self) -> None:
        """TFDS's dataset_info.json for the committed episodes (O(shards): only on close and restart)."""
        template = naming.ShardedFileTemplate(
            data_dir=self._directory,
            dataset_name=layout.DATASET_NAME,
            split=layout.SPLIT,
            filetype_suffix=layout.FILE_FORMAT,
            template=layout.FILE_TEMPLATE,
        )
        identity = dataset_info.DatasetIdentity(
            name=layout.DATASET_NAME, version="1.0.0", data_dir=str(self._directory), module_name="chef.data"
        )
        info = tfds.core.DatasetInfo(
            builder=identity,
            features=self._features,
            description=f"chef RLDS episodes; reward/success order: {list(self._task_names)}",
        )
        info.set_splits(
            splits.SplitDict(
                [
                    splits.SplitInfo(
                        name=layout.SPLIT,
                        shard_lengths=list(self._shard_lengths),
                        num_bytes=sum(self._shard_ends),
                        filename_template=template,
                    )
                ]
            )
        )
        layout.durable_write(self._directory / layout.DATASET_INFO, info.as_json.encode())
        self._info_lengths = tuple(self._shard_lengths)

    def close(self) -> None:
        """Closes the shard and the index, writes dataset_info.json and releases the directory."""
        if self._closed:
            return
        self._closed = True
        try:
            self._close_shard()
            if self._index_fd is not None:
                os.close(self._index_fd)
                self._index_fd = None
            if self._shard_lengths and self._info_lengths != tuple(self._shard_lengths):
                self._write_info()
        finally:
            self._lock.close()

    def __enter__(self) -> "EpisodeWriter":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def finalize(directory: str | os.PathLike, timeout_s: float = 60.0) -> None:
    """Makes a dataset whose writer did not close (killed, or stopped by a launcher) readable by
    plain tfds: drops its uncommitted tail and writes dataset_info.json, as a restarted writer's
    close would. Waits up to `timeout_s` for a running writer to release the directory; does
    nothing where no episode was started."""
    directory = pathlib.Path(directory)
    if not ((directory / layout.FEATURES).is_file() and (directory / layout.CHEF_METADATA).is_file()):
        return
    task_names = json.loads((directory / layout.CHEF_METADATA).read_text())["task_names"]
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            writer = EpisodeWriter(directory, task_names)
            break
        except _WriterBusy:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    writer.close()
