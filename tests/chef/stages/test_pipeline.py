"""The CHEF pipeline end to end at tiny scale (real env, Reverb, learners, RLDS), every later
stage killed and resumed, and the analysis notebook on the resulting run directory."""

import json
import os
import pathlib
import shutil
import signal
import subprocess
import time

import nbformat
import numpy as np
import pytest
import tensorflow_datasets as tfds
from nbclient import NotebookClient

from tests import commands

REPO = pathlib.Path(__file__).parents[3]


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    result = subprocess.run(
        [*commands.command("pipeline"), "--config=pipeline:tiny", f"--root_dir={root}", "--run_name=t"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert "CHEF pipeline finished." in result.stdout and "Learned (more than two standard errors)" in result.stdout
    (root / "stderr.txt").write_text(result.stderr)
    return root


def test_pipeline_writes_table_one_plots_and_video(tiny_run):
    run = tiny_run / "t"
    table = (run / "pipeline/table_1.md").read_text().splitlines()
    assert [row.split("|")[1].strip() for row in table[-4:]] == ["COLLECT", "HYPERPARAM", "EXECUTE", "FINE-TUNE"]
    assert any("triplet 5" in row for row in table)
    for stage in ("collect", "sweep", "execute", "finetune", "pipeline"):
        assert (run / stage / "DONE").exists()
        assert (run / stage / "results.json").exists()
        assert (run / stage / ("table_1.md" if stage == "pipeline" else "results.md")).exists()
    assert (run / "pipeline/videos/final.mp4").stat().st_size > 10_000
    learned = (run / "pipeline/learning.md").read_text()  # COLLECT's returns beside the random policy's.
    assert "uniform random policy (8 episodes)" in learned and "| stack_leave |" in learned
    plots = {p.name for p in (run / "pipeline/plots").rglob("*.png")}
    assert {"collect_learner.png", "collect_actors_success.png", "sweep_candidates_critic_loss.png"} <= plots


def test_pipeline_is_quiet_and_logs_tensorboard_curves(tiny_run):
    stderr = (tiny_run / "stderr.txt").read_text()
    # Progress bars redraw with carriage returns; everything else is a warning or an error.
    lines = [
        line
        for line in stderr.replace("\r", "\n").splitlines()
        if line.strip() and "it/s]" not in line and "s/it]" not in line and "%|" not in line
    ]
    assert not [line for line in lines if line.startswith("I") and line[1:5].isdigit()], lines[:20]  # absl INFO
    assert "DeprecationWarning" not in stderr and "alarmingly" not in stderr
    assert len(lines) <= 20, lines
    events = {str(p.parent.relative_to(tiny_run / "t")) for p in (tiny_run / "t").rglob("events.out.tfevents.*")}
    assert {
        "collect/metrics/tensorboard/learner",
        "collect/metrics/tensorboard/actor_0",
        "collect/metrics/tensorboard/evaluator",
        "finetune/metrics/tensorboard/learner",
    } <= events, events
    assert any(e.startswith("sweep/candidates/") for e in events), events


def test_sweep_records_trained_and_failed_candidates(tiny_run):
    results = json.loads((tiny_run / "t/sweep/results.json").read_text())["candidates"]
    assert set(results) == {"mpo_multitask", "mpo_singletask", "bc", "filtered_bc"}
    # No COLLECT episode succeeds at this scale: filtered BC has nothing to train on, and says so.
    assert "no successful 'stack_leave' episode" in results["filtered_bc"]["final_metrics"]["failed"]
    assert "critic_loss/stack_leave" in results["mpo_singletask"]["final_metrics"]
    assert "critic_loss/open" not in results["mpo_singletask"]["final_metrics"]  # Single-task: one head.


def test_execute_records_every_episode_and_ranks_candidates(tiny_run):
    results = json.loads((tiny_run / "t/execute/results.json").read_text())
    assert sorted(results["ranking"]) == ["bc", "mpo_multitask", "mpo_singletask"]
    for candidate in results["ranking"]:
        episodes = list(
            tfds.as_numpy(
                tfds.builder_from_directory(str(tiny_run / "t/execute/datasets" / candidate)).as_dataset(split="train")
            )
        )
        assert sorted(e["triplet"].decode() for e in episodes) == ["1", "2", "3", "4", "5"]
        assert all(e["stage"] == b"execute" for e in episodes)
        assert sum(c["episodes"] for c in results["table"][candidate].values()) == 5
    returns = results["main_task_return"]  # The ranking's tie-break: every tiny candidate scores 0.
    assert set(returns) == set(results["ranking"]) and all(r >= 0 for r in returns.values())
    assert [returns[c] for c in results["ranking"]] == sorted(returns.values(), reverse=True)


def test_finetune_mixes_collect_and_execute_data(tiny_run):
    config = json.loads((tiny_run / "t/finetune/config.json").read_text())
    assert config["finetune"]["finetune"]["proportions"] == [0.5, 0.5]
    assert config["candidate"] == json.loads((tiny_run / "t/execute/results.json").read_text())["ranking"][0]
    steps = [
        json.loads(line)["step"] for line in (tiny_run / "t/finetune/metrics/learner.jsonl").read_text().splitlines()
    ]
    assert steps[-1] == 40


def _episodes(directory) -> list[dict]:
    return list(tfds.as_numpy(tfds.builder_from_directory(str(directory)).as_dataset(split="train")))


def test_evaluate_reproduces_finetunes_evaluation_from_the_saved_policy(tiny_run):
    finetune = tiny_run / "t/finetune"
    stored = json.loads((finetune / "results.json").read_text())["success"]
    seed = json.loads((finetune / "config.json").read_text())["finetune"]["seed"]
    command = [
        *commands.command("evaluate"),
        f"--policy={finetune / 'policy'}",
        "--triplets=2",
        f"--episodes={stored['2']['episodes']}",
        f"--seed={seed}",
        f"--output={tiny_run / 'eval.json'}",
        f"--dataset_dir={tiny_run / 'eval_episodes'}",
    ]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "triplet 2" in result.stdout, result.stdout
    assert json.loads((tiny_run / "eval.json").read_text())["success"] == {"2": stored["2"]}
    recorded = [e for e in _episodes(finetune / "datasets/evaluation") if e["triplet"] == b"2"]
    replayed = _episodes(tiny_run / "eval_episodes")
    assert [e["seed"] for e in replayed] == [e["seed"] for e in recorded]
    for new, old in zip(replayed, recorded):  # The same parameters and seeds act the same.
        new_actions = np.stack([s["action"] for s in new["steps"]])
        old_actions = np.stack([s["action"] for s in old["steps"]])
        np.testing.assert_allclose(new_actions, old_actions, atol=1e-5)
    refused = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert refused.returncode == 2 and "exists" in refused.stderr.splitlines()[-1]


def _killed_then_resumed(command: list[str], trigger: str, stage_dir: pathlib.Path) -> subprocess.CompletedProcess:
    """Runs `command`, SIGKILLs its whole process group once `stage_dir` holds a match of the glob
    `trigger`, then reruns it with --resume."""
    first = subprocess.Popen(
        command, cwd=REPO, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 600
    while not list(stage_dir.glob(trigger)):
        assert first.poll() is None and time.monotonic() < deadline, f"no {trigger} before the process ended"
        time.sleep(0.2)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    assert not (stage_dir / "DONE").exists()
    return subprocess.run(command + ["--resume"], cwd=REPO, capture_output=True, text=True, timeout=900)


def test_sweep_execute_and_finetune_resume_after_a_kill(tiny_run):
    shutil.copytree(tiny_run / "t/collect", tiny_run / "k/collect")
    run = tiny_run / "k"
    common = [f"--root_dir={tiny_run}", "--run_name=k"]

    sweep = [
        *commands.command("sweep"),
        "--config=sweep:tiny",
        "--sweep=sweeps/chef_demo.py",
        "--config.learner.num_steps=120",
        "--config.learner.checkpoint_period=20",
        "--config.sweep.parallel=1",  # One process: the setup's run covered parallel candidates.
        *common,
    ]
    resumed = _killed_then_resumed(sweep, "candidates/*/checkpoints/step_20", run / "sweep")
    assert resumed.returncode == 0, resumed.stderr[-4000:]
    results = json.loads((run / "sweep/results.json").read_text())["candidates"]
    assert {n for n, r in results.items() if "failed" not in r["final_metrics"]} == {
        "mpo_multitask",
        "mpo_singletask",
        "bc",
    }
    for name in ("mpo_multitask", "mpo_singletask", "bc"):
        steps = [
            json.loads(line)["step"]
            for line in (run / "sweep/candidates" / name / "metrics/learner.jsonl").read_text().splitlines()
        ]
        assert steps[-1] == 120

    execute = [
        *commands.command("execute"),
        "--config=execute:tiny",
        "--config.evaluation.episodes_per_triplet=1",
        "--config.execute.parallel=1",
        *common,
    ]
    resumed = _killed_then_resumed(execute, "candidates/*.json", run / "execute")
    assert resumed.returncode == 0, resumed.stderr[-4000:]
    table = json.loads((run / "execute/results.json").read_text())["table"]
    assert all(sum(c["episodes"] for c in table[name].values()) == 5 for name in table)
    for name in table:  # Every episode is kept: a candidate killed half-way appends its rerun.
        assert len(_episodes(run / "execute/datasets" / name)) >= 5

    finetune = [
        *commands.command("finetune"),
        "--config=finetune:tiny",
        "--config.finetune.num_steps=160",
        *common,
    ]  # A checkpoint every 40 steps.
    resumed = _killed_then_resumed(finetune, "checkpoints/step_40", run / "finetune")
    assert resumed.returncode == 0, resumed.stderr[-4000:]
    steps = [json.loads(line)["step"] for line in (run / "finetune/metrics/learner.jsonl").read_text().splitlines()]
    assert steps[-1] == 160 and steps.count(10) == 1  # Continued from a checkpoint, not from step 0.


def test_completed_stage_is_never_overwritten(tiny_run):
    before = (tiny_run / "t/execute/results.json").read_text()
    result = subprocess.run(
        [*commands.command("execute"), "--config=execute:tiny", f"--root_dir={tiny_run}", "--run_name=t"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode != 0 and "already complete" in result.stderr
    assert (tiny_run / "t/execute/results.json").read_text() == before


def test_analysis_notebook_runs_on_the_pipeline_run(tiny_run, monkeypatch):
    monkeypatch.setenv("CHEF_RUN_DIR", str(tiny_run / "t"))
    notebook_path = REPO / "notebooks/analysis.ipynb"
    notebook = nbformat.read(notebook_path, as_version=4)
    NotebookClient(
        notebook, kernel_name="python3", timeout=300, resources={"metadata": {"path": str(notebook_path.parent)}}
    ).execute()
    text = "\n".join(
        str(o.get("text", ""))
        + str(o.get("data", {}).get("text/plain", ""))
        + str(o.get("data", {}).get("text/markdown", ""))
        for c in notebook.cells
        for o in c.get("outputs", [])
    )
    assert "FINE-TUNE" in text and "mpo_multitask" in text
