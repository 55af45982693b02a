"""On-disk layout of a chef episode dataset (a plain TFDS/RLDS directory).

    <dir>/features.json              TFDS feature spec (written once)
    <dir>/chef_metadata.json         {"task_names": [...], "format_version": 1} (written once)
    <dir>/dataset_info.json          TFDS info; its shard list defines which episodes exist
    <dir>/chef-train.tfrecord-00000  one complete episode per shard, in order

A shard only counts once dataset_info.json lists it, and both are replaced atomically, so
`tfds.builder_from_directory(dir)` never sees part of an episode.
"""
import dataclasses
import json
import os
import pathlib

import tensorflow as tf

tf.config.set_visible_devices([], "GPU")  # Readers and writers stay off the accelerator.

DATASET_NAME = "chef"
SPLIT = "train"
FILE_FORMAT = "tfrecord"
FILE_TEMPLATE = "{DATASET}-{SPLIT}.{FILEFORMAT}-{SHARD_INDEX}"
CHEF_METADATA = "chef_metadata.json"
DATASET_INFO = "dataset_info.json"
# 2: the environment's reference semantics (newest-first histories, w >= 0 quaternions, 12.5 ms finger
# velocity, torque sensors, last-substep wrist force, uint8 grasp flag) and 2.5 ms physics; 1: before.
FORMAT_VERSION = 2


class DatasetError(ValueError):
    """A dataset directory is missing, incomplete, corrupt or incompatible."""


def shard_path(directory: str | os.PathLike, index: int) -> pathlib.Path:
    return pathlib.Path(directory) / f"{DATASET_NAME}-{SPLIT}.{FILE_FORMAT}-{index:05d}"


def temp_path(path: str | os.PathLike) -> pathlib.Path:
    """A hidden sibling of `path` to write before `durable_replace` (a restarted writer deletes these)."""
    path = pathlib.Path(path)
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


def _fsync(path: str | os.PathLike) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def durable_replace(tmp: pathlib.Path, path: str | os.PathLike) -> None:
    """Makes the finished file `tmp` durable, renames it over `path`, and makes the rename durable."""
    _fsync(tmp)
    os.replace(tmp, path)
    _fsync(pathlib.Path(path).parent)


def durable_write(path: str | os.PathLike, data: bytes) -> None:
    """Replaces `path` by `data` atomically: readers see the old or the new content, never a mix."""
    tmp = temp_path(path)
    tmp.write_bytes(data)
    durable_replace(tmp, path)


@dataclasses.dataclass(frozen=True)
class DatasetLayout:
    """What a reader needs to know about a dataset directory before reading it."""

    directory: pathlib.Path
    task_names: tuple[str, ...]
    shard_lengths: tuple[int, ...]  # Episodes per shard (1 for chef-written shards).

    @property
    def num_episodes(self) -> int:
        return sum(self.shard_lengths)

    @property
    def shard_paths(self) -> list[pathlib.Path]:
        return [shard_path(self.directory, i) for i in range(len(self.shard_lengths))]


def read_shard_lengths(directory: str | os.PathLike) -> tuple[int, ...]:
    info = json.loads((pathlib.Path(directory) / DATASET_INFO).read_text())
    splits = {s["name"]: s for s in info.get("splits", [])}
    return tuple(int(n) for n in splits.get(SPLIT, {}).get("shardLengths", []))


def check_format_version(directory: str | os.PathLike, metadata: dict) -> None:
    """Raises DatasetError unless `metadata` (a dataset's chef_metadata.json) has FORMAT_VERSION."""
    version = metadata.get("format_version")
    if version != FORMAT_VERSION:
        raise DatasetError(f"{directory} was written in dataset format {version}, this code reads format "
                           f"{FORMAT_VERSION} (the environment's observations changed meaning): collect it again")


def load_layout(directory: str | os.PathLike) -> DatasetLayout:
    """Reads and checks a dataset directory: every listed shard must exist and be non-empty.

    Raises DatasetError naming the missing or unreadable file.
    """
    directory = pathlib.Path(directory)
    for name in (CHEF_METADATA, DATASET_INFO, "features.json"):
        if not (directory / name).is_file():
            raise DatasetError(f"{directory / name} is missing: {directory} is not a chef episode dataset "
                               "(or no episode was completed yet)")
    try:
        metadata = json.loads((directory / CHEF_METADATA).read_text())
        shard_lengths = read_shard_lengths(directory)
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as e:
        raise DatasetError(f"unreadable metadata in {directory}: {e}") from e
    check_format_version(directory, metadata)
    layout = DatasetLayout(directory, tuple(metadata["task_names"]), shard_lengths)
    for path in layout.shard_paths:
        if not path.is_file() or path.stat().st_size == 0:
            raise DatasetError(f"dataset shard {path} is missing or empty")
    return layout


def find_corrupt_shards(layout: DatasetLayout) -> list[pathlib.Path]:
    """Shards whose TFRecord framing or checksums do not verify (reads every record)."""
    corrupt = []
    for path in layout.shard_paths:
        try:
            for _ in tf.data.TFRecordDataset(str(path)):
                pass
        except (tf.errors.DataLossError, tf.errors.NotFoundError):
            corrupt.append(path)
    return corrupt
