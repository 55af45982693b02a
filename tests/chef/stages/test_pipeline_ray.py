"""The whole tiny CHEF pipeline with --launcher=ray (its own module, so pytest-xdist runs it beside
the local pipeline's tests)."""

import json
import pathlib
import subprocess

import tensorflow_datasets as tfds

from tests import commands

REPO = pathlib.Path(__file__).parents[3]


def test_pipeline_runs_on_ray(tmp_path):
    """COLLECT (replay, learner, actors, evaluator), SWEEP and EXECUTE as Ray actors on a local Ray
    instance. Evaluations on one triplet: the local pipeline's tests cover all five."""
    one_triplet = [f"--config.{stage}.evaluation.triplets=('4',)" for stage in ("collect", "execute", "finetune")]
    result = subprocess.run(
        [
            *commands.command("pipeline"),
            "--config=pipeline:tiny",
            f"--root_dir={tmp_path}",
            "--run_name=r",
            "--launcher=ray",
            *one_triplet,
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    for stage in ("collect", "sweep", "execute", "finetune", "pipeline"):
        assert (tmp_path / "r" / stage / "DONE").exists()
    results = json.loads((tmp_path / "r/execute/results.json").read_text())
    assert sorted(results["ranking"]) == ["bc", "mpo_multitask", "mpo_singletask"]
    assert set(results["table"]["bc"]) == {"4"}
    episodes = tfds.builder_from_directory(str(tmp_path / "r/collect/datasets/actor_0")).as_dataset(split="train")
    assert len(list(episodes.take(1))) == 1
