"""COLLECT end to end at tiny scale: real env, Reverb, learner, actors; killed, then resumed."""

import json
import os
import pathlib
import re
import signal
import subprocess
import time

import tensorflow_datasets as tfds

from chef.data import rlds_reader
from chef.results import run_reader
from tests import commands

REPO = pathlib.Path(__file__).parents[3]


def _collect(root, *extra):
    return [
        *commands.command("collect"),
        "--config=collect:tiny",
        f"--root_dir={root}",
        "--run_name=t",
        "--config.learner.num_steps=120",
        "--config.input_statistics.episodes=1",
        *extra,
    ]


def _episodes(directory) -> list[dict]:
    """The committed episodes (the chef reader: the actors' writers were killed, never closed)."""
    return list(tfds.as_numpy(rlds_reader.episode_dataset(directory)))


def test_collect_is_killed_then_resumed_without_losing_data(tmp_path):
    stage = tmp_path / "t" / "collect"
    first = subprocess.Popen(
        _collect(tmp_path), cwd=REPO, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 400
    while not list((stage / "checkpoints").glob("step_50")) and time.monotonic() < deadline:
        assert first.poll() is None, "collect exited before its first checkpoint"
        time.sleep(0.1)
    os.killpg(first.pid, signal.SIGKILL)  # No clean shutdown at all.
    first.wait()
    # The learner may have written a later checkpoint before the kill landed: resume takes the newest.
    newest = max(int(p.name[5:]) for p in (stage / "checkpoints").glob("step_*") if p.name[5:].isdigit())
    assert 50 <= newest < 120
    before = len(_episodes(stage / "datasets/actor_0"))
    assert before >= 1

    refused = subprocess.run(_collect(tmp_path), cwd=REPO, capture_output=True, text=True)
    assert refused.returncode == 2 and "--resume" in refused.stderr

    # --verbosity=0 brings back the INFO logs of the node processes (quiet by default).
    resumed = subprocess.run(
        _collect(tmp_path, "--resume", "--verbosity=0"), cwd=REPO, capture_output=True, text=True, timeout=600
    )
    if resumed.returncode != 0:
        pathlib.Path("/tmp/collect_resume_stderr.log").write_text(resumed.stderr)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert (stage / "DONE").exists()
    episodes = _episodes(stage / "datasets/actor_0")
    assert len(episodes) > before  # Appended, nothing lost.
    assert {e["stage"].decode() for e in episodes} == {"collect"}
    assert all(len(e["task_sequence"]) == 3 for e in episodes)
    assert _episodes(stage / "datasets/evaluator")
    # COLLECT finalized the datasets of its stopped actors: plain TFDS reads the same episodes (in its
    # own order: it interleaves shards 16 records at a time, and the resumed writer began a new shard).
    plain = tfds.builder_from_directory(str(stage / "datasets/actor_0")).as_dataset(split="train")
    assert sorted(int(e["seed"]) for e in tfds.as_numpy(plain)) == sorted(int(e["seed"]) for e in episodes)

    run = run_reader.load_run(tmp_path / "t")
    learner = run.stage("collect").source("learner")
    assert learner["step"].max() == 120
    assert re.search(rf"learner resumed from \S+/checkpoints/step_{newest}\n", resumed.stderr)
    assert "replay refilled with" in resumed.stderr  # The learner-resident replay, from the datasets.
    # The resumed run reuses the first run's input statistics instead of measuring new ones.
    assert len(json.loads((stage / "config.json").read_text())["network"]["vector_mean"]) > 0
    assert "Measuring input statistics" not in resumed.stderr
    assert (stage / "checkpoints/step_120").is_dir()
    assert json.loads((stage / "DONE").read_text())["checkpoint"].endswith("step_120")
