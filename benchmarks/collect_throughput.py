"""COLLECT's learner and actors on the real launcher, for a fixed wall time, per replay data path.

Runs `chef.stages.collect.build_program` (replay server, learner, 2 actors, evaluator; the
`collect:state` config) once per data path, one after the other in this process,
and measures a window of `--seconds` that starts when the learner has logged its first updates.
Prints one JSON object per data path, then one with the ratios (first path / second path):
- learner updates per wall-second and transitions sampled per second (updates x batch size);
- env steps per second of the actors (episodes finished in the window x their lengths);
- CPU seconds of each process in the window (learner, replay, actor_i, evaluator) and in all.

By default the rate limiter does not bind (`--samples_per_insert=0`: only min_size), so the
figures are what the learner can do beside actors that keep acting; `--samples_per_insert=32`
gives the config's ratio, where updates/s follow env steps/s x 32 / 256.

  .venv/bin/python benchmarks/collect_throughput.py [--seconds=150] [--paths=learner,reverb]
"""

import json
import pathlib
import tempfile
import time

import ml_collections
import psutil
from absl import flags

from chef.configs import collect
from chef.launch import (
    cli,  # noqa: F401  (XLA and logging defaults for every node process)
    local,
)
from chef.replay import tables
from chef.stages import collect as collect_stage
from chef.stages import validation
from chef.utils import config as config_lib
from chef.utils import run_dir

_SECONDS = flags.DEFINE_float("seconds", 150.0, "Measured wall time per data path.")
_PATHS = flags.DEFINE_list("paths", ["learner", "reverb"], "Replay data paths to run, in order.")
_SPI = flags.DEFINE_float("samples_per_insert", 0.0, "Replay samples per insert; 0 = no ratio limit.")
_UPDATES_PER_STEP = flags.DEFINE_integer("updates_per_step", 10, "Learner updates per jitted call.")
_START_TIMEOUT_S = flags.DEFINE_float("start_timeout_s", 600.0, "Longest wait for the learner's first log.")


class _WindowDone(Exception):
    """Raised from the launcher's poll callback to stop the program after the window."""


def _last_row(path: pathlib.Path) -> dict | None:
    if not path.exists():
        return None
    lines = path.read_text().splitlines()
    return json.loads(lines[-1]) if lines else None


def _env_steps(metrics_dir: pathlib.Path) -> int:
    """Steps of the episodes the actors (not the evaluator) have finished so far."""
    return sum(
        json.loads(line)["length"]
        for path in metrics_dir.glob("actor_*.jsonl")
        for line in path.read_text().splitlines()
    )


def _cpu_seconds(pids: dict[str, int]) -> dict[str, float]:
    seconds = {}
    for name, pid in pids.items():
        try:
            times = psutil.Process(pid).cpu_times()
            seconds[name] = times.user + times.system
        except psutil.NoSuchProcess:
            seconds[name] = float("nan")
    return seconds


def _config(data_path: str) -> ml_collections.ConfigDict:
    config = collect.get_config("state")
    config.replay.data_path = data_path
    config.replay.samples_per_insert = _SPI.value or None
    config.learner.updates_per_step = _UPDATES_PER_STEP.value
    config.learner.num_steps = 10_000_000  # The window ends the run, not the budget.
    return config


def measure(data_path: str, root: str) -> dict:
    config = _config(data_path)
    stage = run_dir.StageDir(root, data_path, "collect")
    stage.write_config(config)
    metrics_dir = stage.path / "metrics"
    window: dict = {}

    def on_poll(pids: dict[str, int]) -> None:
        now = time.monotonic()
        if "start" not in window:
            if now - window.setdefault("launched", now) > _START_TIMEOUT_S.value:
                raise TimeoutError(f"no learner log within {_START_TIMEOUT_S.value:.0f} s")
            row = _last_row(metrics_dir / "learner.jsonl")
            if row is not None:
                window.update(start=now, steps=row["step"], env_steps=_env_steps(metrics_dir), cpu=_cpu_seconds(pids))
        elif now - window["start"] >= _SECONDS.value:
            window.update(
                end=now,
                end_steps=_last_row(metrics_dir / "learner.jsonl")["step"],
                end_env_steps=_env_steps(metrics_dir),
                end_cpu=_cpu_seconds(pids),
            )
            raise _WindowDone()

    try:
        local.launch(collect_stage.build_program(config, stage), on_poll=on_poll, poll_interval_s=1.0)
    except _WindowDone:
        pass
    seconds = window["end"] - window["start"]
    updates = window["end_steps"] - window["steps"]
    cpu = {name: round(window["end_cpu"][name] - window["cpu"].get(name, 0.0), 1) for name in window["end_cpu"]}
    return {
        "data_path": data_path,
        "seconds": round(seconds, 1),
        "learner_updates_per_s": round(updates / seconds, 2),
        "transitions_sampled_per_s": round(updates * config.learner.batch_size / seconds, 1),
        "env_steps_per_s": round((window["end_env_steps"] - window["env_steps"]) / seconds, 1),
        "learner_updates_per_learner_cpu_s": round(updates / cpu["learner"], 2),
        "cpu_s": cpu,
        "cpu_s_total": round(sum(cpu.values()), 1),
        "batch_size": config.learner.batch_size,
        "updates_per_step": config.learner.updates_per_step,
        "samples_per_insert": config.replay.samples_per_insert,
        "num_actors": config.actors.num_actors,
        "evaluator": config.evaluator.enabled,
    }


def validate() -> None:
    unknown = [p for p in _PATHS.value if p not in tables.DATA_PATHS]
    if unknown or not _PATHS.value:
        raise config_lib.ConfigError(f"--paths must name data paths among {tables.DATA_PATHS}, got {_PATHS.value}")
    for data_path in _PATHS.value:
        validation.check_collect(_config(data_path))


def main():
    results = []
    with tempfile.TemporaryDirectory() as root:
        for data_path in _PATHS.value:
            results.append(measure(data_path, root))
            print(json.dumps(results[-1]), flush=True)
    if len(results) == 2:
        first, second = results
        print(
            json.dumps(
                {
                    "ratio": f"{first['data_path']}/{second['data_path']}",
                    **{
                        key: round(first[key] / second[key], 2)
                        for key in ("learner_updates_per_s", "env_steps_per_s", "learner_updates_per_learner_cpu_s")
                    },
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    cli.run(main, validate)
