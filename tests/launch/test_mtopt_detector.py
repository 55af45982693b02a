import json
import os
import pathlib
import subprocess

from tests import commands

_REPO = pathlib.Path(__file__).resolve().parents[2]
_TASKS = (
    "lift-any",
    "lift-red",
    "lift-green",
    "lift-blue",
    "place-any",
    "place-red-on-blue",
    "place-green-on-blue",
    "stack_leave",
)


def test_tiny_detector_run_writes_table_iii_errors(tmp_path):
    command = [
        *commands.command("mtopt_detector"),
        "--config=mtopt:detector_tiny",
        f"--root_dir={tmp_path}",
        "--run_name=detector",
    ]
    subprocess.run(
        command,
        cwd=_REPO,
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(_REPO), "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    stage = tmp_path / "detector" / "mtopt_detector"
    # One chain (a pick and a place episode) per seed; seed 1 is held out.
    for seed in (0, 1):
        assert (stage / "dataset" / f"seed_{seed}").is_dir()
    assert (stage / "params.msgpack").stat().st_size > 0
    errors = json.loads((stage / "errors.json").read_text())
    assert set(errors) == set(_TASKS)
    for task, row in errors.items():
        assert row["total"] == row["successes"] + row["failures"], task
        for key, value in row.items():
            assert value is None or value >= 0, (task, key)
    assert sum(row["total"] for row in errors.values()) == 2  # Each held-out episode counts for its own task.
    table = (stage / "table.md").read_text()
    assert "held-out seeds [1]" in table and "(2 train / 2 held-out episodes" in table
    assert "| stack_leave |" in table and "accuracy" in table
