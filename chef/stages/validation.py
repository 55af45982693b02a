"""Checks a stage's whole config and inputs before anything is created or started.

Each `check_<stage>` builds every typed config of the stage (types, ranges, names, cross-field
rules) and checks the input directories it will read; it raises `ConfigError` (or
`DatasetError` / `FileNotFoundError` for inputs) naming the field, the value and what is
allowed, and creates nothing. Launch scripts call them through `chef.launch.cli.run`.
"""

import dataclasses
import json
import pathlib
from typing import Sequence

import ml_collections

import rgb_stacking_env
from chef import sweeps
from chef.data import layout
from chef.stages import components, execute, input_statistics, offline
from chef.utils import config as config_lib
from chef.utils.config import ConfigError, require


@dataclasses.dataclass(frozen=True)
class LearnerConfig:
    """`config.learner`: the update budget, the periods of publishing, logging, checkpointing (in
    updates; an event is due when a period boundary is crossed), and the updates per jitted call."""

    batch_size: int
    num_steps: int
    publish_period: int
    checkpoint_period: int
    log_period: int
    updates_per_step: int = 1
    offline_input: str = "memory"  # One of offline.OFFLINE_INPUTS (SWEEP and FINE-TUNE).

    def __post_init__(self):
        for name in (
            "batch_size",
            "num_steps",
            "publish_period",
            "checkpoint_period",
            "log_period",
            "updates_per_step",
        ):
            value = getattr(self, name)
            require(isinstance(value, int) and value >= 1, f"{name} must be an integer >= 1, got {value!r}")
        require(
            self.num_steps % self.updates_per_step == 0,
            f"num_steps must be a multiple of updates_per_step={self.updates_per_step}, got {self.num_steps}",
        )
        require(
            self.offline_input in offline.OFFLINE_INPUTS,
            f"offline_input must be one of {offline.OFFLINE_INPUTS}, got {self.offline_input!r}",
        )


@dataclasses.dataclass(frozen=True)
class AdderConfig:
    """`config.adder`: n-step returns and Reverb chunking."""

    n_step: int
    discount: float
    chunk_length: int = 1

    def __post_init__(self):
        require(self.n_step >= 1, f"n_step must be >= 1, got {self.n_step}")
        require(0.0 <= self.discount <= 1.0, f"discount must be in [0, 1], got {self.discount}")
        require(self.chunk_length >= 1, f"chunk_length must be >= 1, got {self.chunk_length}")


@dataclasses.dataclass(frozen=True)
class EvaluationConfig:
    """`config.evaluation`: the final evaluation of a stage's policy on test triplets."""

    episodes_per_triplet: int
    triplets: tuple[str, ...]

    def __post_init__(self):
        require(self.episodes_per_triplet >= 1, f"episodes_per_triplet must be >= 1, got {self.episodes_per_triplet}")
        valid = tuple(rgb_stacking_env.object_sets.TEST_TRIPLETS)
        require(
            len(self.triplets) > 0 and all(str(t) in valid for t in self.triplets),
            f"triplets must be a non-empty subset of the test triplets {valid}, got {self.triplets}",
        )


def _check_agent_config(config: ml_collections.ConfigDict, *, online: bool) -> None:
    """The sections every CHEF stage config shares."""
    if not isinstance(config.get("seed"), int):
        raise ConfigError(f"config.seed must be an integer, got {config.get('seed')!r}")
    config_lib.from_config(rgb_stacking_env.environment.EnvConfig, config.env, where="config.env")
    components.validate(config, online=online)
    config_lib.from_config(LearnerConfig, config.learner, where="config.learner")
    config_lib.from_config(AdderConfig, config.adder, where="config.adder")
    config_lib.from_config(EvaluationConfig, config.evaluation, where="config.evaluation")
    episodes = config.input_statistics.episodes
    require(
        isinstance(episodes, int) and episodes >= 0,
        f"config.input_statistics.episodes must be an integer >= 0, got {episodes!r}",
    )


def _check_parallel(value, where: str) -> None:
    require(isinstance(value, int) and value >= 1, f"{where} must be an integer >= 1, got {value!r}")


def _check_offline_agent(config: ml_collections.ConfigDict, where: str) -> None:
    _check_agent_config(config, online=False)
    require(
        config.get("agent") in offline.AGENTS,
        f"{where}.agent must be one of {offline.AGENTS}, got {config.get('agent')!r}",
    )


def check_collect(config: ml_collections.ConfigDict) -> None:
    _check_agent_config(config, online=True)


def stage_datasets(stage_dir: str | pathlib.Path, producer: str) -> list[str]:
    """The readable episode datasets under `<stage_dir>/datasets/*` (what `producer` wrote)."""
    directories = layout.dataset_directories(pathlib.Path(stage_dir) / "datasets")
    if not directories:
        raise FileNotFoundError(f"no episode datasets under {stage_dir}/datasets; run {producer} first")
    for directory in directories:
        layout.load_layout(directory)
    return directories


def _sweep_candidates(config: ml_collections.ConfigDict, sweep_file: str) -> list[sweeps.Candidate]:
    try:
        candidates = sweeps.load_sweep(sweep_file, config)
    except FileNotFoundError as e:
        raise ConfigError(f"--sweep: {e}") from e
    except (ValueError, SyntaxError, ImportError) as e:
        raise ConfigError(f"sweep file {sweep_file}: {e}") from e
    for candidate in candidates:
        _check_offline_agent(sweeps.apply_overrides(config, candidate.overrides), f"candidate '{candidate.name}'")
    return candidates


def check_sweep_config(config: ml_collections.ConfigDict, sweep_file: str) -> None:
    _check_offline_agent(config, "config")
    _check_parallel(config.sweep.parallel, "config.sweep.parallel")
    _sweep_candidates(config, sweep_file)


def check_sweep(config: ml_collections.ConfigDict, sweep_file: str, collect_dir: str) -> None:
    check_sweep_config(config, sweep_file)
    stage_datasets(collect_dir, "chef-collect")
    path = pathlib.Path(collect_dir) / "config.json"
    stored = json.loads(path.read_text()) if path.is_file() else {}
    if config.input_statistics.episodes and len(stored.get("network", {}).get("vector_mean", ())):
        base = ml_collections.ConfigDict(config.to_dict())
        input_statistics.standardise(base, stored)  # COLLECT's statistics, as SWEEP will use them.
        for candidate in _sweep_candidates(config, sweep_file):
            try:
                components.network_values(sweeps.apply_overrides(base, candidate.overrides))
            except ConfigError as e:
                raise ConfigError(f"candidate '{candidate.name}' and COLLECT's input statistics: {e}") from None


def check_execute_config(config: ml_collections.ConfigDict) -> None:
    _check_agent_config(config, online=False)
    _check_parallel(config.execute.parallel, "config.execute.parallel")


def check_execute(config: ml_collections.ConfigDict, sweep_dir: str) -> None:
    check_execute_config(config)
    execute.trained_candidates(sweep_dir)


def check_finetune_config(config: ml_collections.ConfigDict) -> None:
    _check_agent_config(config, online=False)
    finetune = config.finetune
    require(
        isinstance(finetune.num_steps, int) and finetune.num_steps >= 1,
        f"config.finetune.num_steps must be an integer >= 1, got {finetune.num_steps!r}",
    )
    updates_per_step = config.learner.get("updates_per_step", 1)
    require(
        finetune.num_steps % updates_per_step == 0,
        f"config.finetune.num_steps must be a multiple of "
        f"config.learner.updates_per_step={updates_per_step}, got {finetune.num_steps}",
    )
    proportions: Sequence[float] = tuple(finetune.proportions)
    require(
        len(proportions) == 2 and all(p >= 0 for p in proportions) and sum(proportions) > 0,
        "config.finetune.proportions must be two non-negative shares (COLLECT, EXECUTE) with a positive "
        f"sum, got {proportions}",
    )


def check_finetune(config: ml_collections.ConfigDict, collect_dir: str, sweep_dir: str, execute_dir: str) -> None:
    check_finetune_config(config)
    results = pathlib.Path(execute_dir) / "results.json"
    if not results.is_file():
        raise FileNotFoundError(f"no EXECUTE results at {results}; run chef-execute first")
    best = pathlib.Path(sweep_dir) / "candidates" / execute.best_candidate(execute_dir)
    if not (best / "checkpoints").is_dir():
        raise FileNotFoundError(f"the best candidate's checkpoints {best / 'checkpoints'} are missing")
    stage_datasets(collect_dir, "chef-collect")
    stage_datasets(execute_dir, "chef-execute")


def check_pipeline(config: ml_collections.ConfigDict) -> None:
    """Every stage's config (input directories are the pipeline's own outputs)."""
    for name in ("collect", "sweep", "execute", "finetune", "sweep_file"):
        if name not in config:
            raise ConfigError(
                f"config.{name} is missing; a pipeline config has collect, sweep, execute, finetune and sweep_file"
            )
    check_collect(config.collect)
    check_sweep_config(config.sweep, config.sweep_file)
    check_execute_config(config.execute)
    check_finetune_config(config.finetune)
    recorded = set(rgb_stacking_env.observation_keys(config.collect.env.observation_set))
    missing = sorted(set(components.observation_keys(config.sweep)) - recorded)
    require(
        not missing,
        f"config.sweep reads observation(s) {missing} that COLLECT's observation_set "
        f"{config.collect.env.observation_set!r} does not record",
    )
    if config.collect.input_statistics.episodes and config.sweep.input_statistics.episodes:
        standardised = set(components.observation_keys(config.collect))
        for candidate in _sweep_candidates(config.sweep, config.sweep_file):
            keys = components.observation_keys(sweeps.apply_overrides(config.sweep, candidate.overrides))
            extra = sorted(set(keys) - standardised)
            require(
                not extra,
                f"candidate '{candidate.name}' reads input(s) {extra} that COLLECT's input statistics do not "
                "cover (config.collect.excluded_inputs / haptics)",
            )
