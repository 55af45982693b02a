"""Reads a run directory `runs/<run_name>/` back (layout: docs/results_format.md).

`load_run` returns a `Run` with each stage present: its config, DONE flag,
metrics per source as pandas DataFrames (one row per logged line, sorted by
step), results.json and, for the sweep stage, every candidate. Missing or
malformed files raise `RunReadError` naming the path.
"""

import dataclasses
import json
import os
import pathlib
from typing import Any, Sequence

import pandas as pd

STAGES = ("collect", "sweep", "execute", "finetune", "pipeline")
DONE_MARKER = "DONE"
ACTOR_PREFIX = "actor_"


class RunReadError(ValueError):
    """A run directory or one of its files is missing or malformed."""


def _read_json(path: pathlib.Path) -> Any:
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise RunReadError(f"malformed JSON in {path}: {e}") from e


def _read_optional_json(path: pathlib.Path) -> Any:
    return _read_json(path) if path.is_file() else None


def _expand_lists(frame: pd.DataFrame, names: Sequence[str] | None) -> pd.DataFrame:
    """Splits list-valued columns `k` into scalar columns `k/<name>` (or `k/<index>`)."""
    for column in list(frame.columns):
        values = frame[column].dropna()
        if values.empty or not all(isinstance(v, list) for v in values):
            continue
        width = max(len(v) for v in values)
        labels = list(names) if names is not None and len(names) == width else [str(i) for i in range(width)]
        missing = [float("nan")] * width
        padded = frame[column].apply(lambda v: v if isinstance(v, list) and len(v) == width else missing)
        expanded = pd.DataFrame(padded.tolist(), index=frame.index, columns=[f"{column}/{n}" for n in labels])
        frame = pd.concat([frame.drop(columns=column), expanded], axis=1)
    return frame


def load_metrics(path: str | os.PathLike, list_names: Sequence[str] | None = None) -> pd.DataFrame:
    """A metrics .jsonl file as a DataFrame sorted by step.

    A torn last line (a writer killed mid-line) is skipped; any other malformed
    line raises. List values are expanded into one column per entry, named by
    `list_names` when the lengths match (e.g. the task names).
    """
    path = pathlib.Path(path)
    if not path.is_file():
        raise RunReadError(f"metrics file {path} does not exist")
    lines = path.read_text().splitlines()
    rows = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            if number == len(lines):
                break  # torn last line
            raise RunReadError(f"{path}:{number}: malformed JSON line: {e}") from e
        if not isinstance(row, dict) or "step" not in row:
            raise RunReadError(f"{path}:{number}: expected an object with a 'step', got {line[:80]!r}")
        rows.append(row)
    frame = pd.DataFrame(rows)
    if frame.empty:
        return pd.DataFrame({"step": pd.Series(dtype="int64")})
    return _expand_lists(frame.sort_values("step", kind="stable").reset_index(drop=True), list_names)


def _load_metrics_dir(directory: pathlib.Path, list_names: Sequence[str] | None) -> dict[str, pd.DataFrame]:
    if not directory.is_dir():
        return {}
    return {path.stem: load_metrics(path, list_names) for path in sorted(directory.glob("*.jsonl"))}


@dataclasses.dataclass(frozen=True)
class SweepCandidate:
    """One sweep candidate: sweep/candidates/<name>/."""

    name: str
    path: pathlib.Path
    config: dict | None
    metrics: dict[str, pd.DataFrame]


@dataclasses.dataclass(frozen=True)
class Stage:
    """One stage directory: runs/<run_name>/<stage>/."""

    name: str
    path: pathlib.Path
    done: bool
    config: dict | None
    metrics: dict[str, pd.DataFrame]  # source ('learner', 'actor_0', 'evaluator', ...) -> rows
    results: dict | None  # results.json, when written
    candidates: dict[str, SweepCandidate]  # sweep stage only

    def source(self, name: str) -> pd.DataFrame:
        """Metrics of one source; the error lists the sources present."""
        if name not in self.metrics:
            raise RunReadError(
                f"no metrics source '{name}' in {self.path / 'metrics'}; present: {sorted(self.metrics)}"
            )
        return self.metrics[name]

    @property
    def actor_sources(self) -> list[str]:
        """The sources named actor_<i>."""
        return [n for n in self.metrics if n.startswith(ACTOR_PREFIX) and n[len(ACTOR_PREFIX) :].isdigit()]

    def actors(self) -> pd.DataFrame:
        """All actor_<i> sources in one frame with an 'actor' column, sorted by step."""
        frames = [self.metrics[name].assign(actor=int(name[len(ACTOR_PREFIX) :])) for name in self.actor_sources]
        if not frames:
            raise RunReadError(f"no actor_<i> metrics in {self.path / 'metrics'}; present: {sorted(self.metrics)}")
        return pd.concat(frames, ignore_index=True).sort_values("step", kind="stable").reset_index(drop=True)


@dataclasses.dataclass(frozen=True)
class Run:
    """A run directory with the stages found in it (in CHEF order)."""

    name: str
    path: pathlib.Path
    stages: dict[str, Stage]

    def stage(self, name: str) -> Stage:
        if name not in self.stages:
            raise RunReadError(f"run {self.path} has no stage '{name}'; present: {list(self.stages)}")
        return self.stages[name]


def _load_candidates(directory: pathlib.Path, list_names: Sequence[str] | None) -> dict[str, SweepCandidate]:
    if not directory.is_dir():
        return {}
    return {
        path.name: SweepCandidate(
            name=path.name,
            path=path,
            config=_read_optional_json(path / "config.json"),
            metrics=_load_metrics_dir(path / "metrics", list_names),
        )
        for path in sorted(directory.iterdir())
        if path.is_dir()
    }


def load_stage(path: str | os.PathLike, list_names: Sequence[str] | None = None) -> Stage:
    """One stage directory (see `load_run`)."""
    path = pathlib.Path(path)
    if not path.is_dir():
        raise RunReadError(f"stage directory {path} does not exist")
    results = _read_optional_json(path / "results.json")
    if results is not None and not isinstance(results, dict):
        raise RunReadError(f"{path / 'results.json'}: expected a JSON object, got {type(results).__name__}")
    return Stage(
        name=path.name,
        path=path,
        done=(path / DONE_MARKER).exists(),
        config=_read_optional_json(path / "config.json"),
        metrics=_load_metrics_dir(path / "metrics", list_names),
        results=results,
        candidates=_load_candidates(path / "candidates", list_names),
    )


def load_run(run_dir: str | os.PathLike, list_names: Sequence[str] | None = None) -> Run:
    """Reads runs/<run_name>/ with whichever of the CHEF stages it holds.

    `list_names` names the entries of list-valued metrics (pass the task names).
    """
    path = pathlib.Path(run_dir).expanduser()
    if not path.is_dir():
        raise RunReadError(f"run directory {path} does not exist")
    stages = {name: load_stage(path / name, list_names) for name in STAGES if (path / name).is_dir()}
    if not stages:
        raise RunReadError(f"{path} is not a run directory: none of the stage folders {list(STAGES)} in it")
    return Run(name=path.name, path=path, stages=stages)
