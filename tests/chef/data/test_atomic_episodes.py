"""A writer killed with SIGKILL never leaves part of an episode readable; a restart appends."""
import os
import pathlib
import signal
import subprocess
import sys
import time

import numpy as np
import tensorflow_datasets as tfds

from tests.chef.data import synthetic

_LENGTH = 30
_REPO = pathlib.Path(__file__).resolve().parents[3]

# Writes episodes forever, announcing each commit; the parent kills it at a random moment.
_CHILD = f"""
import sys
from tests.chef.data import synthetic
for episode in range(10_000):
    synthetic.write_episodes(sys.argv[1], [episode], length={_LENGTH}, image_size=32)
    print(episode, flush=True)
"""


def _complete_episodes(directory) -> list[int]:
    """Seeds of the readable episodes, after checking each is whole."""
    seeds = []
    for episode in tfds.as_numpy(tfds.builder_from_directory(str(directory)).as_dataset(split="train")):
        steps = list(episode["steps"])
        assert len(steps) == _LENGTH + 1 and steps[-1]["is_last"] and not steps[-2]["is_last"]
        np.testing.assert_array_equal([s["observation"]["state"][1] for s in steps], np.arange(_LENGTH + 1))
        seeds.append(int(episode["seed"]))
    return seeds


def test_killed_writer_leaves_only_complete_episodes(tmp_path):
    child = subprocess.Popen([sys.executable, "-c", _CHILD, str(tmp_path)], cwd=_REPO, stdout=subprocess.PIPE,
                             env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}, text=True)
    try:
        while int(child.stdout.readline()) < 2:  # Raises ValueError on EOF (child died).
            pass
        time.sleep(np.random.default_rng().uniform(0.0, 0.3))  # Mid-episode or mid-commit.
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    seeds = _complete_episodes(tmp_path)
    assert len(seeds) >= 3 and seeds == list(range(len(seeds)))

    synthetic.write_episodes(tmp_path, [1000], length=_LENGTH, image_size=32)  # A restarted writer.
    assert _complete_episodes(tmp_path) == seeds + [1000]
    assert not list(tmp_path.glob(".*.tmp-*"))
