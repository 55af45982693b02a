import json
import os
import pathlib
import subprocess

from tests import commands

_REPO = pathlib.Path(__file__).resolve().parents[2]


def _launch(root: pathlib.Path, run_name: str, *overrides: str) -> str:
    command = [
        *commands.command("mtopt_ablation"),
        "--config=mtopt:tiny",
        f"--root_dir={root}",
        f"--run_name={run_name}",
        *overrides,
    ]
    return subprocess.run(
        command,
        cwd=_REPO,
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(_REPO), "TF_CPP_MIN_LOG_LEVEL": "3"},
    ).stdout


def _run(root: pathlib.Path, run_name: str, *overrides: str) -> dict:
    _launch(root, run_name, *overrides)
    return json.loads((root / run_name / "mtopt_ablation" / "results.json").read_text())


def _total(sizes: dict) -> int:
    return sizes["success"] + sizes["failure"]


def test_tiny_ablation_grid_then_a_new_task_from_the_same_data(tmp_path):
    results = _run(tmp_path, "grid")
    assert list(results["rates"]) == [
        f"{s} / {m}" for s in ("orig", "all", "skill", "skill_p") for m in ("uniform", "rebalanced")
    ]
    num_episodes = results["num_episodes"]
    assert num_episodes == 6  # 3 chains of a pick and a place segment.
    for cell, rates in results["rates"].items():
        assert len(rates) == 8 and all(0.0 <= r <= 1.0 for r in rates.values()), cell
    sizes = results["pool_sizes"]
    assert sum(_total(p) for p in sizes["orig / uniform"].values()) == num_episodes
    assert all(_total(p) == num_episodes for p in sizes["all / uniform"].values())
    # Skill sharing: each task sees exactly the episodes of its skill (3 pick, 3 place segments).
    assert all(_total(p) == 3 for p in sizes["skill / rebalanced"].values())
    # f_skill(1, 0.5): the episodes collected for a task, plus a subset of the skill's other ones.
    for task, pool in sizes["skill_p / rebalanced"].items():
        assert (
            sizes["orig / rebalanced"][task]["success"]
            <= pool["success"]
            <= sizes["skill / rebalanced"][task]["success"]
        )
        assert _total(sizes["orig / rebalanced"][task]) <= _total(pool) <= 3
    assert results["decision_period"] == 2
    assert results["num_steps"] == 6 * 7  # 12 control steps = 6 decisions per segment, plus the first step.
    table = (tmp_path / "grid" / "mtopt_ablation" / "table.md").read_text()
    assert "| skill / rebalanced |" in table and "| skill_p / uniform |" in table and "low_data_mean" in table

    dataset = tmp_path / "grid" / "mtopt_ablation" / "dataset"
    # One more chain, collected alone (seed 1), joins the grid's data below.
    printed = _launch(tmp_path, "more", "--collect_only", "--config.seed=1", "--config.collection.num_chains=1")
    more = tmp_path / "more" / "mtopt_ablation" / "dataset"
    assert "2 episodes" in printed and not (tmp_path / "more" / "mtopt_ablation" / "results.json").exists()
    new = _run(
        tmp_path,
        "new_task",
        f"--config.dataset_dir={dataset},{more}",
        "--config.extra_tasks=('place-blue-on-red',)",
        "--config.grid.strategies=('orig','skill')",
        "--config.grid.samplers=('rebalanced',)",
        "--config.grid.bc_steps=2",
        "--config.grid.terminate_fraction=0.5",
    )  # With MT-Opt's TERMINATE action.
    assert list(new["rates"]) == ["bc / skill successes", "orig / rebalanced", "skill / rebalanced"]
    assert new["pool_sizes"]["bc / skill successes"] == new["pool_sizes"]["skill / rebalanced"]
    assert "place-blue-on-red" in new["rates"]["bc / skill successes"]
    assert "place-blue-on-red" in new["rates"]["skill / rebalanced"]
    # No episode was collected for the new task: it gets data only through impersonation.
    assert _total(new["pool_sizes"]["orig / rebalanced"]["place-blue-on-red"]) == 0
    assert _total(new["pool_sizes"]["skill / rebalanced"]["place-blue-on-red"]) == 3 + 1
    assert new["num_episodes"] == num_episodes + 2 and new["dataset_dirs"] == [str(dataset), str(more)]
    assert not (tmp_path / "new_task" / "mtopt_ablation" / "dataset").exists()
