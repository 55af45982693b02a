import json
import os
import pathlib
import subprocess

from chef.mtopt import rgb_tasks
from chef.success import final_frames, metrics, routing, training
from tests import commands

_REPO = pathlib.Path(__file__).resolve().parents[2]
_ENV = {**os.environ, "PYTHONPATH": str(_REPO), "TF_CPP_MIN_LOG_LEVEL": "3"}


def _run(name: str, *flags: str) -> None:
    subprocess.run([*commands.command(name), *flags], cwd=_REPO, check=True, capture_output=True, text=True, env=_ENV)


def test_tiny_detector_run_writes_table_iii_errors_resumes_and_routes_an_ablation(tmp_path):
    flags = ("--config=mtopt:detector_tiny", f"--root_dir={tmp_path}", "--run_name=detector")
    _run("mtopt_detector", *flags, "--workers=2")  # Two seeds in two worker processes.
    stage = tmp_path / "detector" / "mtopt_detector"
    family = rgb_tasks.rgb_task_family()
    # One chain (a pick and a place segment) per seed; seed 1 is held out.
    for seed in (0, 1):
        assert (stage / "dataset" / f"seed_{seed}").is_dir()
        assert final_frames.load([stage / "frames" / f"seed_{seed}.npz"], family).images.shape == (2, 3, 16, 16, 3)
    assert (stage / "params.msgpack").stat().st_size > 0
    errors = json.loads((stage / "errors.json").read_text())
    assert set(errors) == set(family.names)
    for task, row in errors.items():
        assert row["total"] == row["successes"] + row["failures"], task
        for key, value in row.items():
            assert value is None or value >= 0, (task, key)
    assert sum(row["total"] for row in errors.values()) == 2  # Each held-out episode counts for its own task.
    table = (stage / "table.md").read_text()
    assert "held-out seeds [1]" in table and "(2 train / 2 held-out episodes, 16x16 frames" in table
    assert "| stack_leave |" in table and "accuracy" in table

    # A run stopped inside seed 1 (its frames unwritten) resumes: seed 0 is kept, seed 1 collected again.
    kept = (stage / "frames" / "seed_0.npz").stat().st_mtime_ns
    for name in ("DONE", "frames/seed_1.npz", "params.msgpack"):
        (stage / name).unlink()
    _run("mtopt_detector", *flags, "--resume", "--workers=1")
    assert (stage / "frames" / "seed_0.npz").stat().st_mtime_ns == kept
    assert (stage / "frames" / "seed_1.npz").is_file() and (stage / "DONE").is_file()

    # The stored parameters reproduce the run's held-out errors.
    stored = routing.load_detector(stage, family)
    held_out_frames = final_frames.load([stage / "frames" / "seed_1.npz"], family)
    probabilities = training.predict_probabilities(stored.detector, held_out_frames.images)
    again = metrics.detector_error_rates(
        probabilities, held_out_frames.labels, held_out_frames.task, family.names, stored.threshold
    )
    assert json.loads(again.to_json(orient="index")) == errors
    assert stored.training_seeds == (0,)

    # Retraining on those frames with other detector settings collects nothing; the source is untouched.
    retrain = ("--config=mtopt:detector_tiny", f"--root_dir={tmp_path}", f"--config.frames_from={stage}")
    source_files = {p: p.read_bytes() for p in stage.rglob("*") if p.is_file()}
    _run("mtopt_detector", *retrain, "--run_name=retrained", "--config.detector.num_steps=5")
    retrained = tmp_path / "retrained" / "mtopt_detector"
    assert not (retrained / "dataset").exists() and (retrained / "DONE").is_file()
    for seed in (0, 1):
        ours, theirs = final_frames.seed_path(retrained, seed), final_frames.seed_path(stage, seed)
        assert ours.read_bytes() == theirs.read_bytes()
    assert {p: p.read_bytes() for p in stage.rglob("*") if p.is_file()} == source_files
    assert routing.load_detector(retrained, family).training_seeds == (0,)
    refused = subprocess.run(
        [*commands.command("mtopt_detector"), *retrain, "--run_name=other", "--config.frame_size=32"],
        cwd=_REPO,
        capture_output=True,
        text=True,
        env=_ENV,
    )
    assert refused.returncode != 0 and "collected with other settings: frame_size: 16 -> 32" in refused.stderr
    assert not (tmp_path / "other").exists()

    # ... and an ablation routes with those labels.
    _run(
        "mtopt_ablation",
        "--config=mtopt:tiny",
        f"--root_dir={tmp_path}",
        "--run_name=routed",
        f"--config.dataset_dir={stage / 'dataset' / 'seed_1'}",
        f"--config.detector_dir={stage}",
        "--config.grid.strategies=('orig',)",
        "--config.grid.samplers=('uniform',)",
        "--config.decision_period=5",  # The detector run's.
    )
    ablation = tmp_path / "routed" / "mtopt_ablation"
    labelled_by = json.loads((ablation / "results.json").read_text())["labelled_by"]
    assert labelled_by.startswith(f"the detector of {stage}") and "(0 of 2 episodes from its training" in labelled_by
    assert "## Detector labels against the predicates" in (ablation / "dataset.md").read_text()
