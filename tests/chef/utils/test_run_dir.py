import json

import pytest

from chef.utils import metrics, run_dir


def test_completed_stage_is_never_reopened(tmp_path):
    stage = run_dir.StageDir(tmp_path, "run", "collect")
    (stage.path / "result.txt").write_text("keep me")
    stage.mark_done({"ok": 1})
    with pytest.raises(run_dir.RunDirError, match="already complete"):
        run_dir.StageDir(tmp_path, "run", "collect", resume=True)
    assert (stage.path / "result.txt").read_text() == "keep me"


def test_unfinished_stage_needs_resume(tmp_path):
    stage = run_dir.StageDir(tmp_path, "run", "sweep")
    stage.write_config({"a": 1})
    with pytest.raises(run_dir.RunDirError, match="--resume"):
        run_dir.StageDir(tmp_path, "run", "sweep")
    resumed = run_dir.StageDir(tmp_path, "run", "sweep", resume=True)
    assert resumed.resumed
    resumed.write_config({"a": 1})
    with pytest.raises(run_dir.RunDirError, match="different"):
        resumed.write_config({"a": 2})
    assert json.loads((stage.path / "config.json").read_text()) == {"a": 1}


def test_a_refused_resume_names_every_changed_key():
    stored = {"adder": {"n_step": 5}, "seed": 0, "tasks": ["lift"]}
    current = {"adder": {"n_step": 3, "chunk_length": 1}, "seed": 0, "tasks": ["lift", "open"]}
    assert run_dir.config_differences(stored, current) == [
        "adder.chunk_length: absent -> 1",
        "adder.n_step: 5 -> 3",
        "tasks: ['lift'] -> ['lift', 'open']",
    ]
    assert run_dir.config_differences(stored, stored) == []


def test_metrics_round_trip(tmp_path):
    writer = metrics.MetricsWriter(tmp_path)
    writer.write(1, {"loss": 0.5, "per_task": [1.0, 2.0]})
    writer.write(2, {"loss": float("nan")})
    writer.close()
    rows = metrics.read_metrics(tmp_path / "metrics.jsonl")
    assert [r["step"] for r in rows] == [1, 2]
    assert rows[0]["per_task"] == [1.0, 2.0]
