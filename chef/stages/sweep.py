"""HYPERPARAMETER EXPLORATION: train every sweep candidate offline on the COLLECT data.

Each candidate gets candidates/<name>/ (config.json, checkpoints/, policy/, metrics/, and
DONE or FAILED). Candidates run `config.sweep.parallel` at a time as separate processes; a
resumed sweep skips finished candidates and continues unfinished ones from their checkpoints.
A candidate that cannot train (e.g. filtered BC without any successful episode) is recorded as
FAILED with the reason and the others go on. With standardised inputs (`input_statistics.episodes`
> 0) every candidate uses COLLECT's statistics, so it reads the data as COLLECT's learner did.
"""

import json
import pathlib
from typing import Callable, Sequence

import ml_collections

from chef import sweeps
from chef.launch import program as program_lib
from chef.results import writers
from chef.stages import components, input_statistics, offline, validation
from chef.utils import config as config_lib
from chef.utils import run_dir


def train_candidates(
    base: dict, candidates: Sequence[tuple[str, dict]], datasets: Sequence[str], candidates_dir: str
) -> None:
    """Node: trains candidates one after another (skipping finished ones)."""
    for name, overrides in candidates:
        out = pathlib.Path(candidates_dir) / name
        if (out / run_dir.DONE_MARKER).exists() or (out / "FAILED").exists():
            continue
        out.mkdir(parents=True, exist_ok=True)
        config = sweeps.apply_overrides(ml_collections.ConfigDict(base), overrides)
        run_dir.atomic_write_text(out / "config.json", config_lib.dumps(config))
        try:
            metrics = offline.train(
                components.StageSpec.from_config(config), [datasets], [1.0], str(out), progress=False
            )
        except (offline.NoDataError, config_lib.ConfigError) as e:
            run_dir.atomic_write_text(out / "FAILED", str(e))
            continue
        run_dir.atomic_write_text(out / run_dir.DONE_MARKER, json.dumps(metrics, indent=2))


def with_collects_statistics(config: ml_collections.ConfigDict, collect_dir: str) -> None:
    """With standardised inputs (`input_statistics.episodes` > 0), fills the config's input statistics
    with those COLLECT stored in its config.json (measured anew only where COLLECT has none)."""
    stored = pathlib.Path(collect_dir) / "config.json"
    input_statistics.standardise(config, json.loads(stored.read_text()) if stored.exists() else None)


def run(
    config: ml_collections.ConfigDict,
    sweep_file: str,
    stage: run_dir.StageDir,
    collect_dir: str,
    launch: Callable[[program_lib.Program], dict],
) -> dict:
    candidates = sweeps.load_sweep(sweep_file, config)  # Validates every override first.
    datasets = validation.stage_datasets(collect_dir, "chef-collect")  # Every actor's and the evaluator's.
    with_collects_statistics(config, collect_dir)
    stage.write_config(dict(config=config.to_dict(), sweep_file=str(sweep_file)))
    candidates_dir = str(stage.subdir("candidates"))
    program = program_lib.Program()
    workers = max(1, min(config.sweep.parallel, len(candidates)))
    for i in range(workers):
        share = [(c.name, dict(c.overrides)) for c in candidates[i::workers]]
        program.add(
            program_lib.Node(
                f"sweep_{i}",
                train_candidates,
                role="main",
                kwargs=dict(base=config.to_dict(), candidates=share, datasets=datasets, candidates_dir=candidates_dir),
            )
        )
    launch(program)
    results = {}
    for candidate in candidates:
        out = pathlib.Path(candidates_dir) / candidate.name
        done = out / run_dir.DONE_MARKER
        final = json.loads(done.read_text()) if done.exists() else {"failed": (out / "FAILED").read_text()}
        results[candidate.name] = (dict(candidate.overrides), final)
    writers.write_sweep_results(stage.path, results)
    writers.write_sweep_markdown(stage.path, results)
    summary = {"trained": sum("failed" not in r[1] for r in results.values()), "candidates": len(results)}
    stage.mark_done(summary)
    return summary
