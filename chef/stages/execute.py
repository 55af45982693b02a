"""EXECUTE: run every trained sweep candidate on the main task, record all data, rank them.

Per candidate: datasets/<name>/ (RLDS, every episode), candidates/<name>.json (success counts
per triplet, mean main-task return per episode). Then results.json / results.md hold the
candidate x triplet table, each candidate's mean main-task return and the ranking (success, then
that return: FINE-TUNE's choice when every candidate scores 0).
A resumed run skips candidates whose counts exist.
"""

import json
import pathlib
from typing import Callable, Sequence

import ml_collections

from chef.launch import program as program_lib
from chef.results import stats, writers
from chef.stages import components, evaluation
from chef.utils import run_dir


def trained_candidates(sweep_dir: str | pathlib.Path) -> dict[str, pathlib.Path]:
    """{name: candidate directory} of the sweep's successfully trained candidates."""
    sweep_dir = pathlib.Path(sweep_dir)
    if not (sweep_dir / run_dir.DONE_MARKER).exists():
        raise FileNotFoundError(f"no completed sweep at {sweep_dir}; run chef-sweep first")
    found = {p.parent.name: p.parent for p in sorted((sweep_dir / "candidates").glob(f"*/{run_dir.DONE_MARKER}"))}
    if not found:
        raise ValueError(f"the sweep at {sweep_dir} trained no candidate successfully")
    return found


def candidate_config(candidate_dir: pathlib.Path) -> ml_collections.ConfigDict:
    return ml_collections.ConfigDict(json.loads((candidate_dir / "config.json").read_text()))


def execute_candidates(
    candidates: Sequence[tuple[str, str]], evaluation_config: dict, stage_dir: str, seed: int
) -> None:
    """Node: evaluates candidates one after another, skipping those already counted."""
    for name, candidate_dir in candidates:
        counts_path = pathlib.Path(stage_dir) / "candidates" / f"{name}.json"
        if counts_path.exists():
            continue
        spec = components.StageSpec.from_config(candidate_config(pathlib.Path(candidate_dir)))
        params = evaluation.load_policy_params(spec, pathlib.Path(candidate_dir) / "policy")
        result = evaluation.evaluate(
            spec,
            params,
            evaluation_config["episodes_per_triplet"],
            triplets=evaluation_config["triplets"],
            dataset_dir=str(pathlib.Path(stage_dir) / "datasets" / name),
            stage="execute",
            checkpoint=str(pathlib.Path(candidate_dir) / "policy"),
            seed=seed,
            progress_label=f"execute {name}",
        )
        counts = {t: c.to_dict() for t, c in result.counts.items()}
        run_dir.atomic_write_text(
            counts_path, json.dumps({"counts": counts, "main_task_return": result.main_task_return})
        )


def run(
    config: ml_collections.ConfigDict,
    stage: run_dir.StageDir,
    sweep_dir: str,
    launch: Callable[[program_lib.Program], dict],
) -> list[str]:
    """Runs the stage; returns the ranking, best first."""
    candidates = trained_candidates(sweep_dir)
    stage.write_config(config)
    stage.subdir("candidates")
    items = [(name, str(path)) for name, path in candidates.items()]
    workers = max(1, min(config.execute.parallel, len(items)))
    program = program_lib.Program(
        [
            program_lib.Node(
                f"execute_{i}",
                execute_candidates,
                role="main",
                kwargs=dict(
                    candidates=items[i::workers],
                    evaluation_config=config.evaluation.to_dict(),
                    stage_dir=str(stage.path),
                    seed=config.seed,
                ),
            )
            for i in range(workers)
        ]
    )
    launch(program)
    measured = {name: json.loads((stage.path / "candidates" / f"{name}.json").read_text()) for name in candidates}
    table = {
        name: {t: stats.SuccessCount.from_dict(c) for t, c in result["counts"].items()}
        for name, result in measured.items()
    }
    ranking = writers.write_execute_results(
        stage.path,
        table,
        episodes_per_triplet=config.evaluation.episodes_per_triplet,
        main_task=config.scheduler.main_task,
        returns={name: result["main_task_return"] for name, result in measured.items()},
    )
    stage.mark_done({"ranking": ranking})
    return ranking


def best_candidate(execute_dir: str | pathlib.Path) -> str:
    results = json.loads((pathlib.Path(execute_dir) / writers.RESULTS_JSON).read_text())
    return results["ranking"][0]
