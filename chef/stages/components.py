"""A stage's config parsed once per process (`StageSpec`), and the environment every CHEF agent acts in.

Every process of a stage receives the same ConfigDict (as a plain dict) and parses it with
`StageSpec.from_config` at its top, so they agree on observation keys, task order and network
shapes without sending anything but the config.
"""

import dataclasses
from typing import Any, Mapping

import dm_env
import ml_collections
import numpy as np

import rgb_stacking_env
from chef import env_metadata, types, wrappers
from chef import scheduler as scheduler_lib
from chef.agents.mpo import builder as mpo_builder
from chef.agents.mpo import config as mpo_config_lib
from chef.networks import inputs, multitask
from chef.replay import tables as tables_lib
from chef.task_layout import TaskLayout
from chef.utils import config as config_lib


def as_config_dict(config: Mapping[str, Any] | ml_collections.ConfigDict) -> ml_collections.ConfigDict:
    if isinstance(config, ml_collections.ConfigDict):
        return config
    return ml_collections.ConfigDict(dict(config))


def make_env(config: ml_collections.ConfigDict, seed: int, object_set: str | None = None) -> wrappers.CanonicalActions:
    """The benchmark with canonical [-1, 1] actions: what every CHEF agent acts in and every dataset stores."""
    env = config.env
    return wrappers.CanonicalActions(
        rgb_stacking_env.make(
            object_set=object_set or env.object_set,
            observation_set=env.observation_set,
            camera_size=env.camera_size,
            seed=seed,
            force_termination_threshold=env.force_termination_threshold,
            episode_length=env.episode_length,
        )
    )


HAPTICS_KEYS = ("wrist/force", "wrist/torque")


def observation_keys(config: ml_collections.ConfigDict) -> tuple[str, ...]:
    """The agent's inputs: the observation set's keys, without haptics when `config.haptics` is off
    and without `config.excluded_inputs` (ConfigError for a key the observation set lacks)."""
    keys = tuple(rgb_stacking_env.observation_keys(config.env.observation_set))
    excluded = tuple(config.get("excluded_inputs", ()))
    unknown = sorted(set(excluded) - set(keys))
    if unknown:
        raise config_lib.ConfigError(
            f"config.excluded_inputs: {unknown} are not inputs of observation set "
            f"{config.env.observation_set!r}; its inputs: {keys}"
        )
    dropped = set(excluded) | (set() if config.get("haptics", True) else set(HAPTICS_KEYS))
    return tuple(k for k in keys if k not in dropped)


def network_values(config: ml_collections.ConfigDict) -> dict[str, Any]:
    """config.network with the agent's observation keys, its input statistics cut down to those keys
    when they were measured over more (`config.input_statistics.inputs`: a COLLECT run's inputs, which
    a SWEEP candidate may narrow with `haptics` or `excluded_inputs`). ConfigError where the
    statistics do not fit the inputs."""
    keys = observation_keys(config)
    values = dict(config.network.to_dict(), observation_keys=keys)
    if not len(values["vector_mean"]):
        return values
    measured_over = tuple(config.get("input_statistics", {}).get("inputs", ())) or keys
    spec = rgb_stacking_env.observation_spec(config.env.observation_set, config.env.camera_size)
    unknown = sorted(set(measured_over) - set(spec))
    if unknown:
        raise config_lib.ConfigError(
            f"config.input_statistics.inputs: {unknown} are not inputs of observation set "
            f"{config.env.observation_set!r}"
        )
    try:
        values["vector_mean"], values["vector_std"] = inputs.select_statistics(
            values["vector_mean"],
            values["vector_std"],
            measured_over,
            keys,
            {k: int(np.prod(spec[k].shape)) for k in measured_over},
        )
    except ValueError as e:
        raise config_lib.ConfigError(f"config.input_statistics: {e}") from None
    return values


@dataclasses.dataclass(frozen=True)
class ActorsConfig:
    """COLLECT's acting processes (`config.actors`)."""

    num_actors: int = 2
    max_restarts: int = 3
    # Share of actor episodes driven by the benchmark's scripted stacking policy (plus Gaussian noise
    # of std scripted_noise in [-1, 1] action units) instead of the learned policy; 0 = pure RL.
    scripted_fraction: float = 0.0
    scripted_noise: float = 0.2

    def __post_init__(self):
        config_lib.require(self.num_actors >= 1, f"num_actors must be >= 1, got {self.num_actors}")
        config_lib.require(self.max_restarts >= 0, f"max_restarts must be >= 0, got {self.max_restarts}")
        config_lib.require(
            0.0 <= self.scripted_fraction <= 1.0, f"scripted_fraction must be in [0, 1], got {self.scripted_fraction}"
        )
        config_lib.require(self.scripted_noise >= 0.0, f"scripted_noise must be >= 0, got {self.scripted_noise}")


@dataclasses.dataclass(frozen=True)
class EvaluatorConfig:
    """COLLECT's evaluator (`config.evaluator`): the policy mean of one head per episode, cycling
    over `tasks` (() = every head), `period_s` seconds of pause between episodes."""

    enabled: bool = True
    period_s: float = 300.0
    tasks: tuple[str, ...] = ()

    def __post_init__(self):
        config_lib.require(self.period_s >= 0.0, f"period_s must be >= 0, got {self.period_s}")


def _typed_configs(config: ml_collections.ConfigDict) -> dict[str, Any]:
    """The typed sections of `config` (ConfigError naming the offending field)."""
    network = config_lib.from_config(multitask.NetworkConfig, network_values(config), where="config.network")
    mpo = config_lib.from_config(
        mpo_config_lib.MPOConfig, dict(config.mpo.to_dict(), network=network), where="config.mpo"
    )
    scheduler = config_lib.from_config(
        scheduler_lib.SchedulerConfig,
        dict(config.scheduler.to_dict(), episode_length=config.env.episode_length),
        where="config.scheduler",
    )
    return dict(
        network=network,
        mpo=mpo,
        scheduler=scheduler,
        tasks=mpo.task_layout(),
        replay=config_lib.from_config(tables_lib.ReplayConfig, config.replay, where="config.replay"),
        actors=config_lib.from_config(ActorsConfig, config.get("actors", {}), where="config.actors"),  # COLLECT only.
        evaluator=config_lib.from_config(EvaluatorConfig, config.get("evaluator", {}), where="config.evaluator"),
    )


@dataclasses.dataclass(frozen=True)
class StageSpec:
    """What a stage's processes build from: the typed sections of its config, its task layout and
    the agent's inputs. Build one per process with `from_config` and pass it down."""

    config: ml_collections.ConfigDict  # The source; what crosses process boundaries (as a plain dict).
    network: multitask.NetworkConfig
    mpo: mpo_config_lib.MPOConfig
    scheduler: scheduler_lib.SchedulerConfig
    replay: tables_lib.ReplayConfig
    actors: ActorsConfig
    evaluator: EvaluatorConfig
    tasks: TaskLayout  # The policy/critic heads (`config.mpo.tasks`, () = every task) and their reward columns.
    observation_spec: Mapping[str, dm_env.specs.Array]  # {key: spec} of the agent's inputs.
    environment: Mapping[str, Any]  # EpisodeWriter's `environment` for episodes of `make_env` (chef.env_metadata).
    action_dim: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | ml_collections.ConfigDict) -> "StageSpec":
        """Parses `config` (ConfigError naming a malformed field) and reads the observation spec
        from one environment."""
        config = as_config_dict(config)
        typed = _typed_configs(config)
        env = make_env(config, seed=0)
        try:
            spec = env.observation_spec()
            environment = env_metadata.describe(env)
            action_dim = int(np.prod(env.action_spec().shape))
        finally:
            env.close()
        return cls(
            config=config,
            **typed,
            observation_spec={k: spec[k] for k in typed["network"].observation_keys},
            environment=environment,
            action_dim=action_dim,
        )

    def make_env(self, seed: int, object_set: str | None = None) -> wrappers.CanonicalActions:
        return make_env(self.config, seed, object_set)

    def example_observation(self) -> types.Observation:
        """A batch of one zero observation of the agent's inputs. {key: [1, ...]}"""
        return {k: s.generate_value()[None] for k, s in self.observation_spec.items()}

    def mpo_builder(self) -> mpo_builder.MPOBuilder:
        """Networks, learner and actor of the stage's MPO agent."""
        return mpo_builder.MPOBuilder(self.mpo, self.tasks, self.example_observation(), self.action_dim)

    @property
    def evaluated_tasks(self) -> tuple[str, ...]:
        """The heads the COLLECT evaluator cycles through."""
        return self.evaluator.tasks or self.tasks.heads


def validate(config: ml_collections.ConfigDict, online: bool = False) -> None:
    """Builds every typed config once, so a malformed config fails before any process starts.

    Online (COLLECT) every scheduled task needs a policy head; offline only the main task."""
    typed = _typed_configs(config)
    scheduler, heads = typed["scheduler"], typed["tasks"].heads
    needed = scheduler.tasks if online else (scheduler.main_task,)
    if online:
        needed = needed + (typed["evaluator"].tasks or heads)
    missing = sorted({t for t in needed if t not in heads})
    if missing:
        raise config_lib.ConfigError(
            f"task(s) {missing} of config.scheduler / config.evaluator have no policy head; "
            f"heads (config.mpo.tasks): {heads}"
        )
