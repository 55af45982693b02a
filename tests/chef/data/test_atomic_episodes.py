"""A writer killed with SIGKILL never leaves part of an episode readable; a restart appends.

The child keeps one writer open with small shards, so the kill can land mid-record, between a
record and its index line, mid-index-line or at a shard rollover."""

import os
import pathlib
import signal
import subprocess
import sys
import time

import numpy as np
import tensorflow_datasets as tfds

from chef.data import layout, rlds_reader
from tests.chef.data import synthetic

_LENGTH = 30
_REPO = pathlib.Path(__file__).resolve().parents[3]

# Writes episodes forever, announcing each commit; the parent kills it at a random moment.
_CHILD = f"""
import sys
from chef.data import rlds_writer
from tests.chef.data import synthetic
writer = rlds_writer.EpisodeWriter(sys.argv[1], synthetic.TASKS, max_shard_bytes=10_000)  # 3 episodes per shard
for episode in range(10_000):
    synthetic.write_episode(writer, episode, length={_LENGTH}, image_size=32)
    print(episode, flush=True)
"""


def _check_whole(steps) -> None:
    assert len(steps) == _LENGTH + 1 and steps[-1]["is_last"] and not steps[-2]["is_last"]
    np.testing.assert_array_equal([s["observation"]["state"][1] for s in steps], np.arange(_LENGTH + 1))


def _complete_episodes(directory) -> list[int]:
    """Seeds of the episodes the chef reader reads, after checking each is whole."""
    seeds = []
    for episode in tfds.as_numpy(rlds_reader.episode_dataset(directory)):
        _check_whole(list(episode["steps"]))
        seeds.append(int(episode["seed"]))
    assert len(layout.episode_index(directory)) == len(seeds)
    return seeds


def _tfds_episodes(directory) -> list[int]:
    """Seeds of the episodes plain tfds reads (dataset_info.json)."""
    seeds = []
    for episode in tfds.as_numpy(tfds.builder_from_directory(str(directory)).as_dataset(split="train")):
        _check_whole(list(episode["steps"]))
        seeds.append(int(episode["seed"]))
    return seeds


def test_killed_writer_leaves_only_complete_episodes(tmp_path):
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(tmp_path)],
        cwd=_REPO,
        stdout=subprocess.PIPE,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
        text=True,
    )
    try:
        # Six committed episodes (about 4.6 kB each): past the first shard's 10 kB, so the kill
        # lands in a later shard. Raises ValueError on EOF (child died).
        while int(child.stdout.readline()) < 5:
            pass
        time.sleep(np.random.default_rng().uniform(0.0, 0.3))  # Mid-episode or mid-commit.
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    seeds = _complete_episodes(tmp_path)
    assert len(seeds) >= 6 and seeds == list(range(len(seeds)))
    assert len(layout.load_layout(tmp_path).shard_lengths) >= 2  # Rolled over at least once.

    synthetic.write_episodes(tmp_path, [1000], length=_LENGTH, image_size=32)  # A restarted writer.
    assert _complete_episodes(tmp_path) == seeds + [1000]
    assert _tfds_episodes(tmp_path) == seeds + [1000]
    assert len((tmp_path / layout.INDEX).read_bytes().splitlines()) == len(seeds) + 1
    assert not list(tmp_path.glob(".*.tmp-*"))
