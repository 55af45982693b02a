import hashlib
import json
import os
import pathlib
import subprocess

from chef.data import layout
from tests import commands

_REPO = pathlib.Path(__file__).resolve().parents[2]


def _launch(root: pathlib.Path, run_name: str, *flags: str) -> subprocess.CompletedProcess:
    command = [
        *commands.command("mtopt_online"),
        "--config=mtopt:tiny",
        f"--root_dir={root}",
        f"--run_name={run_name}",
        *flags,
    ]
    return subprocess.run(
        command,
        cwd=_REPO,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(_REPO), "TF_CPP_MIN_LOG_LEVEL": "3"},
    )


def _run(root: pathlib.Path, run_name: str, *flags: str) -> dict:
    result = _launch(root, run_name, *flags)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads((root / run_name / "mtopt_online" / "results.json").read_text())


def _fingerprint(directory: pathlib.Path) -> dict[str, tuple[str, int]]:
    """{relative path: (sha256, mtime_ns)} of every file below `directory`."""
    return {
        str(p.relative_to(directory)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def _check_rounds(rows: list[dict]) -> None:
    assert [row["round"] for row in rows] == [1, 2]
    assert rows[0]["episodes"] == 6  # The bootstrap: 3 scripted chains of a pick and a place segment.
    for row in rows:
        assert row["collected_episodes"] == 2 and row["learned_chains"] == 1  # 1 learned chain per round.
        assert {s: c["segments"] for s, c in row["learned_successes"].items()} == {"acquisition": 1, "placement": 1}
        assert len(row["rates"]) == 8 and all(0.0 <= r <= 1.0 for r in row["rates"].values())
        assert 0.0 <= row["q_mean"] <= 1.0 and 0.0 <= row["target_mean"] <= 1.0
    # Round 2 trains on the bootstrap and round 1's chains, continuing round 1's learner (3 + 3 steps).
    assert rows[1]["episodes"] == rows[0]["episodes"] + rows[0]["collected_episodes"]
    assert [row["learner_steps"] for row in rows] == [3, 6]
    assert [row["data_steps"] for row in rows] == [6 * 7, 8 * 7]  # 6 decisions a segment, plus the first step.


def test_tiny_online_loop_and_resume_after_a_cut(tmp_path):
    results = _run(tmp_path, "online")
    stage = tmp_path / "online" / "mtopt_online"
    assert results["complete"] and results["decision_period"] == 2
    _check_rounds(results["rounds"])
    assert sorted(p.name for p in (stage / "dataset").iterdir()) == ["bootstrap", "round_1", "round_2"]
    table = (stage / "results.md").read_text()
    assert "| 1 | 6 | 3 |" in table and "| 2 | 8 | 6 |" in table and "(partial)" not in table

    # Cut after round 1: round 2's row and the DONE marker are gone, its chains and checkpoint stay behind.
    (stage / "DONE").unlink()
    (stage / "results.json").write_text(json.dumps({**results, "rounds": results["rounds"][:1], "complete": False}))
    finished = {
        name: _fingerprint(stage / name) for name in ("dataset/bootstrap", "dataset/round_1", "checkpoints/step_1")
    }
    refused = _launch(tmp_path, "online")
    assert refused.returncode == 2 and "pass --resume" in refused.stderr
    resumed = _run(tmp_path, "online", "--resume")
    assert resumed["complete"] and resumed["rounds"][0] == results["rounds"][0]
    _check_rounds(resumed["rounds"])
    assert {name: _fingerprint(stage / name) for name in finished} == finished
    # The stale round-2 chains were discarded, not appended to.
    assert layout.load_layout(stage / "dataset" / "round_2").num_episodes == 2


def test_bad_online_config_fails_before_collecting(tmp_path):
    result = _launch(tmp_path, "bad", "--config.online.epsilon=1.5")
    assert result.returncode == 2
    assert "online: epsilon must lie in [0, 1], got 1.5" in result.stderr
    assert not (tmp_path / "bad" / "mtopt_online" / "dataset").exists()
