"""A tiny synthetic run directory, written the way the stage scripts write it."""

import json
import pathlib

from chef.results import tables, writers
from chef.results.stats import SuccessCount
from chef.utils.metrics import MetricsWriter
from chef.utils.run_dir import StageDir

TASKS = ("lift", "stack_leave")
EXECUTE_TABLE = {
    "mpo_large": {"1": SuccessCount(9, 10), "2": SuccessCount(7, 10)},
    "mpo_small": {"1": SuccessCount(6, 10), "2": SuccessCount(8, 10)},
    "bc": {"1": SuccessCount(2, 10), "2": SuccessCount(1, 10)},
}


def _write_learner(directory: pathlib.Path, steps: int, scale: float = 1.0) -> None:
    writer = MetricsWriter(directory, "learner")
    for step in range(0, steps * 10, 10):
        writer.write(
            step,
            {
                "critic_loss": scale / (1 + step),
                "kl_mean": 0.01,
                "temperature": 0.5,
                **{f"q_mean/{t}": step * 0.1 for t in TASKS},
            },
        )
    writer.close()


def _write_actor(directory: pathlib.Path, index: int, episodes: int) -> None:
    writer = MetricsWriter(directory, f"actor_{index}")
    for episode in range(episodes):
        writer.write(
            episode * 400,
            {
                "episode": episode,
                **{f"episode_return/{t}": float(episode) for t in TASKS},
                **{f"success/{t}": float(episode % 2) for t in TASKS},
            },
        )
    writer.close()


def make_run(root: pathlib.Path, name: str = "tiny") -> pathlib.Path:
    """runs/<name>/ with collect, sweep, execute and pipeline stages."""
    collect = StageDir(root, name, "collect")
    collect.write_config({"num_actors": 2})
    _write_learner(collect.subdir("metrics"), steps=5)
    for index in range(2):
        _write_actor(collect.subdir("metrics"), index, episodes=4)
    evaluator = MetricsWriter(collect.subdir("metrics"), "evaluator")
    for episode, task in enumerate(TASKS):  # One head per evaluator episode.
        evaluator.write(
            episode,
            {
                "episode": episode,
                "policy_version": 10 * episode,
                f"eval_return/{task}": 2.0 * episode,
                f"eval_success/{task}": float(episode % 2),
                **{f"success/{t}": 0.0 for t in TASKS},
            },
        )
    evaluator.close()
    collect.mark_done()

    sweep = StageDir(root, name, "sweep")
    sweep.write_config({"sweep": "sweeps/chef_offline.py"})
    candidates = {}
    for index, candidate in enumerate(EXECUTE_TABLE):
        directory = sweep.subdir(f"candidates/{candidate}")
        (directory / "config.json").write_text(json.dumps({"agent": candidate.split("_")[0]}))
        _write_learner(directory / "metrics", steps=3, scale=index + 1.0)
        candidates[candidate] = ({"agent": candidate.split("_")[0]}, {"critic_loss": 1.0 / (index + 1)})
    writers.write_sweep_results(sweep.path, candidates)
    sweep.mark_done()

    execute = StageDir(root, name, "execute")
    execute.write_config({"episodes_per_triplet": 10})
    ranking = writers.write_execute_results(execute.path, EXECUTE_TABLE, episodes_per_triplet=10)
    execute.mark_done()

    pipeline = StageDir(root, name, "pipeline")
    stage_counts = {
        "COLLECT": {"1": SuccessCount(1, 10), "2": SuccessCount(3, 10)},
        **tables.stage_counts_from_execute(EXECUTE_TABLE, ranking[0]),
        "FINE-TUNE": {"1": SuccessCount(10, 10), "2": SuccessCount(9, 10)},
    }
    writers.write_pipeline_results(pipeline.path, stage_counts, best_candidate=ranking[0])
    pipeline.mark_done()
    return root / name
