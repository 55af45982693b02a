"""On-disk layout of a chef episode dataset (RLDS episodes in TFRecord shards, TFDS-compatible).

    <dir>/features.json              TFDS feature spec (written once, first episode)
    <dir>/chef_metadata.json         {"task_names": [...], "format_version": 3, "environment": {...}} (written once)
    <dir>/episodes.jsonl             the index: one line per committed episode, appended (the commit point)
    <dir>/chef-train.tfrecord-00000  several episodes, one record each, appended in order
    <dir>/chef-train.tfrecord-00001  (a new shard once one exceeds the writer's max_shard_bytes)
    <dir>/dataset_info.json          TFDS info, written when the writer closes (for plain tfds only)

An index line {"episode": i, "shard": s, "end": e, "length": L, "success": [...], ...} commits
episode i: its record is the next one in shard s and ends at byte e. It is appended after the
record was flushed (and fsynced) to the shard, so every line names a complete record. Readers
take from each shard only its committed records and ignore a torn last index line: a killed
writer leaves exactly its complete episodes readable. Committing writes O(1) bytes; no file that
grows with the dataset is rewritten.
"""

import dataclasses
import json
import os
import pathlib
from typing import Any

import tensorflow as tf

tf.config.set_visible_devices([], "GPU")  # Readers and writers stay off the accelerator.

DATASET_NAME = "chef"
SPLIT = "train"
FILE_FORMAT = "tfrecord"
FILE_TEMPLATE = "{DATASET}-{SPLIT}.{FILEFORMAT}-{SHARD_INDEX}"
CHEF_METADATA = "chef_metadata.json"
FEATURES = "features.json"
INDEX = "episodes.jsonl"
DATASET_INFO = "dataset_info.json"
# 3: several episodes per shard, committed by the episodes.jsonl index (dataset_info.json only on close);
# 2: the environment's reference semantics (newest-first histories, w >= 0 quaternions, 12.5 ms finger
# velocity, torque sensors, last-substep wrist force, uint8 grasp flag) and 2.5 ms physics; 1: before.
FORMAT_VERSION = 3
_VERSION_CHANGES = {
    1: "the environment's observations changed meaning",
    2: "the shard layout changed: several episodes per shard, committed by episodes.jsonl",
}


class DatasetError(ValueError):
    """A dataset directory is missing, incomplete, corrupt or incompatible."""


def shard_path(directory: str | os.PathLike, index: int) -> pathlib.Path:
    return pathlib.Path(directory) / f"{DATASET_NAME}-{SPLIT}.{FILE_FORMAT}-{index:05d}"


def shard_number(path: str | os.PathLike) -> int | None:
    """The index of a shard file name (None for other files)."""
    prefix = f"{DATASET_NAME}-{SPLIT}.{FILE_FORMAT}-"
    name = pathlib.Path(path).name
    suffix = name[len(prefix) :]
    return int(suffix) if name.startswith(prefix) and suffix.isdigit() else None


def temp_path(path: str | os.PathLike) -> pathlib.Path:
    """A hidden sibling of `path` to write before `durable_replace` (a restarted writer deletes these)."""
    path = pathlib.Path(path)
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


def fsync(path: str | os.PathLike) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def durable_replace(tmp: pathlib.Path, path: str | os.PathLike) -> None:
    """Makes the finished file `tmp` durable, renames it over `path`, and makes the rename durable."""
    fsync(tmp)
    os.replace(tmp, path)
    fsync(pathlib.Path(path).parent)


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
    shard_lengths: tuple[int, ...]  # Committed episodes per shard.
    shard_ends: tuple[int, ...] = ()  # Committed bytes per shard (a shard may be longer while written).
    environment: dict[str, Any] = dataclasses.field(default_factory=dict)  # The writer's make() arguments.

    @property
    def num_episodes(self) -> int:
        return sum(self.shard_lengths)

    @property
    def shard_paths(self) -> list[pathlib.Path]:
        return [shard_path(self.directory, i) for i in range(len(self.shard_lengths))]


def parse_index(data: bytes, path: str | os.PathLike = INDEX) -> tuple[list[dict[str, Any]], int]:
    """The committed entries of an index file's content, and the length of its complete lines.

    A last line without its newline was torn by a killed writer and is not committed. Entries must
    number episodes 0, 1, ... and fill shards 0, 1, ... in order with growing ends; anything else
    raises DatasetError.
    """
    complete = data.rfind(b"\n") + 1
    if not complete:
        return [], 0
    lines = data.count(b"\n", 0, complete)
    try:  # One parse of all lines (json.dumps escapes newlines inside strings), 3x faster than per line.
        entries = json.loads(b"[" + data[: complete - 1].replace(b"\n", b",") + b"]")
    except ValueError:
        entries = None
    if not isinstance(entries, list) or len(entries) != lines:  # Find the bad line.
        for number, line in enumerate(data[:complete].split(b"\n")[:-1], start=1):
            try:
                json.loads(line)
            except ValueError as e:
                raise DatasetError(f"unreadable line {number} of {path}: {e}") from e
        raise DatasetError(f"{path} is not one JSON object per line")
    shard, end = 0, 0
    for number, entry in enumerate(entries):
        try:
            ok = entry["episode"] == number
            if number and entry["shard"] == shard:
                ok = ok and entry["end"] > end
            else:
                ok = ok and entry["shard"] == (shard + 1 if number else 0) and entry["end"] > 0
            shard, end = entry["shard"], entry["end"]
        except (KeyError, TypeError):
            ok = False
        if not ok:
            raise DatasetError(f"line {number + 1} of {path} does not continue the index: {str(entry)[:200]}")
    return entries, complete


def read_shard_lengths(directory: str | os.PathLike) -> tuple[int, ...]:
    """The shard lengths listed by the TFDS dataset_info.json (what plain tfds reads)."""
    info = json.loads((pathlib.Path(directory) / DATASET_INFO).read_text())
    splits = {s["name"]: s for s in info.get("splits", [])}
    return tuple(int(n) for n in splits.get(SPLIT, {}).get("shardLengths", []))


def check_format_version(directory: str | os.PathLike, metadata: dict) -> None:
    """Raises DatasetError unless `metadata` (a dataset's chef_metadata.json) has FORMAT_VERSION."""
    version = metadata.get("format_version")
    if version != FORMAT_VERSION:
        change = _VERSION_CHANGES.get(version, "the dataset format changed")
        raise DatasetError(
            f"{directory} was written in dataset format {version}, this code reads format "
            f"{FORMAT_VERSION} ({change}): collect it again"
        )


def _read(directory: pathlib.Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    for name in (CHEF_METADATA, FEATURES):
        if not (directory / name).is_file():
            raise DatasetError(
                f"{directory / name} is missing: {directory} is not a chef episode dataset "
                "(or no episode was completed yet)"
            )
    try:
        metadata = json.loads((directory / CHEF_METADATA).read_text())
    except ValueError as e:
        raise DatasetError(f"unreadable metadata in {directory}: {e}") from e
    check_format_version(directory, metadata)
    try:
        data = (directory / INDEX).read_bytes()
    except FileNotFoundError as e:
        raise DatasetError(f"{directory / INDEX} is missing: no episode of {directory} was completed yet") from e
    entries, _ = parse_index(data, directory / INDEX)
    if not entries:
        raise DatasetError(f"{directory} holds no complete episode yet")
    return metadata, entries


def _layout(directory: pathlib.Path, metadata: dict[str, Any], entries: list[dict[str, Any]]) -> DatasetLayout:
    lengths, ends = [], []
    for entry in entries:
        if entry["shard"] == len(lengths):
            lengths.append(0)
            ends.append(0)
        lengths[-1] += 1
        ends[-1] = entry["end"]
    layout = DatasetLayout(
        directory, tuple(metadata["task_names"]), tuple(lengths), tuple(ends), dict(metadata.get("environment") or {})
    )
    for path, end in zip(layout.shard_paths, ends):
        if not path.is_file() or path.stat().st_size == 0:
            raise DatasetError(f"dataset shard {path} is missing or empty")
        if path.stat().st_size < end:
            raise DatasetError(
                f"dataset shard {path} holds {path.stat().st_size} bytes, less than the {end} of its committed episodes"
            )
    return layout


def load_layout(directory: str | os.PathLike) -> DatasetLayout:
    """Reads and checks a dataset directory: its format, its index, and every shard it names.

    Raises DatasetError naming the missing or unreadable file.
    """
    directory = pathlib.Path(directory)
    return _layout(directory, *_read(directory))


def episode_index(directory: str | os.PathLike) -> list[dict[str, Any]]:
    """The index entries of the committed episodes, in order (checked like `load_layout`):
    {"episode", "shard", "end", "length" (steps, with the final observation), "success" [T],
    "stage", "triplet", "seed", "policy_version"}."""
    directory = pathlib.Path(directory)
    metadata, entries = _read(directory)
    _layout(directory, metadata, entries)
    return entries


def dataset_directories(parent: str | os.PathLike) -> list[str]:
    """The dataset directories directly under `parent` (those with an index), sorted."""
    return sorted(str(p.parent) for p in pathlib.Path(parent).glob(f"*/{INDEX}"))


def find_corrupt_shards(layout: DatasetLayout) -> list[pathlib.Path]:
    """Shards whose committed records' TFRecord framing or checksums do not verify (reads them all)."""
    corrupt = []
    for path, count in zip(layout.shard_paths, layout.shard_lengths):
        try:
            for _ in tf.data.TFRecordDataset(str(path)).take(count):
                pass
        except (tf.errors.DataLossError, tf.errors.NotFoundError):
            corrupt.append(path)
    return corrupt
