"""Writes the result files of the sweep, execute and pipeline stages.

One function per stage, so every stage script produces exactly the format of
docs/results_format.md. Files are written atomically (readers never see a
half-written results.json).
"""

import json
import os
import pathlib
from typing import Any, Mapping

import pandas as pd

from chef.results import markdown, tables
from chef.utils.run_dir import atomic_write_text

RESULTS_JSON = "results.json"


def _write_json(path: pathlib.Path, content: Any) -> pathlib.Path:
    atomic_write_text(path, json.dumps(content, indent=2, sort_keys=False) + "\n")
    return path


def write_sweep_results(
    stage_path: str | os.PathLike, candidates: Mapping[str, tuple[Mapping[str, Any], Mapping[str, Any]]]
) -> pathlib.Path:
    """sweep/results.json from {candidate: (overrides, final_metrics)}."""
    content = {
        "candidates": {
            name: {"overrides": dict(overrides), "final_metrics": dict(final_metrics)}
            for name, (overrides, final_metrics) in candidates.items()
        }
    }
    return _write_json(pathlib.Path(stage_path) / RESULTS_JSON, content)


def write_execute_results(
    stage_path: str | os.PathLike,
    table: tables.CountTable,
    *,
    episodes_per_triplet: int,
    main_task: str = tables.MAIN_TASK,
    returns: Mapping[str, float] | None = None,
) -> list[str]:
    """execute/results.json and results.md; returns the ranking, best first. `returns`: each
    candidate's mean main-task return per episode (the ranking's last tie-break but the name)."""
    stage_path = pathlib.Path(stage_path)
    content = tables.execute_results(
        table, episodes_per_triplet=episodes_per_triplet, main_task=main_task, returns=returns
    )
    _write_json(stage_path / RESULTS_JSON, content)
    atomic_write_text(stage_path / "results.md", tables.execute_markdown(table, main_task=main_task, returns=returns))
    return content["ranking"]


def write_pipeline_results(
    stage_path: str | os.PathLike,
    stage_counts: tables.CountTable,
    *,
    best_candidate: str,
    main_task: str = tables.MAIN_TASK,
) -> pathlib.Path:
    """pipeline/results.json and table_1.md (CHEF Table I); returns the table's path."""
    stage_path = pathlib.Path(stage_path)
    content = tables.pipeline_results(stage_counts, best_candidate=best_candidate, main_task=main_task)
    _write_json(stage_path / RESULTS_JSON, content)
    table_path = stage_path / "table_1.md"
    atomic_write_text(table_path, tables.table_one_markdown(stage_counts))
    return table_path


def write_evaluation_results(
    stage_path: str | os.PathLike,
    row: str,
    counts: Mapping[str, tables.SuccessCount],
    *,
    main_task: str = tables.MAIN_TASK,
    extra: Mapping[str, Any] | None = None,
) -> pathlib.Path:
    """results.json and results.md of a stage whose policy was evaluated per triplet (COLLECT,
    FINE-TUNE): {"main_task", "success": {triplet: {successes, episodes}}, **extra}."""
    stage_path = pathlib.Path(stage_path)
    table = {row: dict(counts)}
    content = {"main_task": main_task, "success": tables.dump_count_table(table)[row], **(extra or {})}
    _write_json(stage_path / RESULTS_JSON, content)
    atomic_write_text(
        stage_path / "results.md",
        f"{main_task} success ({row})\n\n" + markdown.to_markdown(tables.formatted_frame(table)) + "\n",
    )
    return stage_path / RESULTS_JSON


def write_sweep_markdown(
    stage_path: str | os.PathLike,
    candidates: Mapping[str, tuple[Mapping[str, Any], Mapping[str, Any]]],
    metric_prefixes: tuple[str, ...] = ("critic_loss", "nll"),
) -> pathlib.Path:
    """sweep/results.md: one row per candidate, its overrides and mean final losses (or why it failed)."""
    rows = {}
    for name, (overrides, final) in candidates.items():
        row = {"overrides": ", ".join(f"{k}={v}" for k, v in overrides.items())}
        for prefix in metric_prefixes:
            values = [v for k, v in final.items() if k.split("/")[0] == prefix and isinstance(v, (int, float))]
            row[prefix] = sum(values) / len(values) if values else None
        row["status"] = "failed: " + final["failed"] if "failed" in final else "trained"
        rows[name] = row
    path = pathlib.Path(stage_path) / "results.md"
    atomic_write_text(path, markdown.to_markdown(pd.DataFrame.from_dict(rows, orient="index")) + "\n")
    return path
