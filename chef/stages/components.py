"""Builds the parts a stage needs (environment, networks, learner configs) from its ConfigDict.

Every process of a stage calls these with the same config, so they agree on observation
keys, task order and network shapes without sending anything but the config.
"""
import dataclasses
from typing import Any, Mapping

import ml_collections
import numpy as np

import rgb_stacking_env
from rgb_stacking_env import object_sets
from chef import env_metadata, scheduler as scheduler_lib, wrappers
from chef.agents.mpo import config as mpo_config_lib
from chef.networks import multitask
from chef.replay import tables as tables_lib
from chef.utils import config as config_lib

SUCCESS_THRESHOLD = 0.99  # A task succeeded when its reward at the episode's last step reaches this.


def as_config_dict(config: Mapping[str, Any] | ml_collections.ConfigDict) -> ml_collections.ConfigDict:
    if isinstance(config, ml_collections.ConfigDict):
        return config
    return ml_collections.ConfigDict(dict(config))


def make_env(config: ml_collections.ConfigDict, seed: int, object_set: str | None = None) -> wrappers.CanonicalActions:
    """The benchmark with canonical [-1, 1] actions: what every CHEF agent acts in and every dataset stores."""
    env = config.env
    return wrappers.CanonicalActions(rgb_stacking_env.make(
        object_set=object_set or env.object_set, observation_set=env.observation_set,
        camera_size=env.camera_size, seed=seed, force_termination_threshold=env.force_termination_threshold,
        episode_length=env.episode_length))


def environment_metadata(config: ml_collections.ConfigDict, **overrides: Any) -> dict[str, Any]:
    """EpisodeWriter's `environment` for episodes of `make_env(config, ...)` (see chef.env_metadata);
    `overrides` replace entries (the evaluation's `object_set=None`: the episode's triplet)."""
    env = make_env(config, seed=0)
    try:
        return env_metadata.describe(env, **overrides)
    finally:
        env.close()


def observation_spec(config: ml_collections.ConfigDict) -> dict[str, Any]:
    """{key: dm_env spec} of the agent's inputs."""
    env = make_env(config, seed=0)
    spec = env.observation_spec()
    env.close()
    return {k: spec[k] for k in observation_keys(config)}


def example_batch(config: ml_collections.ConfigDict) -> dict[str, np.ndarray]:
    """A batch of one zero observation of the agent's inputs (for network init)."""
    return {k: s.generate_value()[None] for k, s in observation_spec(config).items()}


def head_names(config: ml_collections.ConfigDict) -> tuple[str, ...]:
    """The tasks with a policy/critic head: `config.mpo.tasks`, or every environment task.

    Every transition carries the rewards of all environment tasks (rgb_stacking_env.TASK_NAMES).
    """
    return tuple(config.mpo.tasks) or rgb_stacking_env.TASK_NAMES


HAPTICS_KEYS = ("wrist/force", "wrist/torque")


def observation_keys(config: ml_collections.ConfigDict) -> tuple[str, ...]:
    """The agent's inputs: the observation set's keys, without haptics when `config.haptics` is off."""
    keys = tuple(rgb_stacking_env.observation_keys(config.env.observation_set))
    return keys if config.get("haptics", True) else tuple(k for k in keys if k not in HAPTICS_KEYS)


def network_config(config: ml_collections.ConfigDict) -> multitask.NetworkConfig:
    values = dict(config.network.to_dict())
    values["observation_keys"] = observation_keys(config)
    return config_lib.from_config(multitask.NetworkConfig, values, where="config.network")


def mpo_config(config: ml_collections.ConfigDict) -> mpo_config_lib.MPOConfig:
    values = dict(config.mpo.to_dict())
    values["network"] = network_config(config)
    return config_lib.from_config(mpo_config_lib.MPOConfig, values, where="config.mpo")


def scheduler_config(config: ml_collections.ConfigDict) -> scheduler_lib.SchedulerConfig:
    values = dict(config.scheduler.to_dict(), episode_length=config.env.episode_length)
    return config_lib.from_config(scheduler_lib.SchedulerConfig, values, where="config.scheduler")


def replay_config(config: ml_collections.ConfigDict) -> tables_lib.ReplayConfig:
    return config_lib.from_config(tables_lib.ReplayConfig, config.replay, where="config.replay")


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
        config_lib.require(0.0 <= self.scripted_fraction <= 1.0,
                           f"scripted_fraction must be in [0, 1], got {self.scripted_fraction}")
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


def actors_config(config: ml_collections.ConfigDict) -> ActorsConfig:
    return config_lib.from_config(ActorsConfig, config.actors, where="config.actors")


def evaluator_config(config: ml_collections.ConfigDict) -> EvaluatorConfig:
    return config_lib.from_config(EvaluatorConfig, config.evaluator, where="config.evaluator")


def evaluated_tasks(config: ml_collections.ConfigDict) -> tuple[str, ...]:
    """The heads the COLLECT evaluator cycles through."""
    return evaluator_config(config).tasks or head_names(config)


def make_networks(config: ml_collections.ConfigDict):
    """(policy, critic) with one head per task of `head_names(config)`."""
    action_dim = int(np.prod(rgb_stacking_env.environment.ACTION_MAX.shape))
    return multitask.make_networks(network_config(config), len(head_names(config)), action_dim)


def validate(config: ml_collections.ConfigDict, online: bool = False) -> None:
    """Builds every typed config once, so a malformed config fails before any process starts.

    Online (COLLECT) every scheduled task needs a policy head; offline only the main task."""
    mpo_config(config).task_indices(rgb_stacking_env.TASK_NAMES)
    scheduler = scheduler_config(config)
    replay_config(config)
    needed = scheduler.tasks if online else (scheduler.main_task,)
    if online:
        actors_config(config)
        needed = needed + evaluated_tasks(config)
    missing = sorted({t for t in needed if t not in head_names(config)})
    if missing:
        raise config_lib.ConfigError(
            f"task(s) {missing} of config.scheduler / config.evaluator have no policy head; heads (config.mpo.tasks): {head_names(config)}")


triplet_label = object_sets.triplet_label  # '1'..'5' for a test triplet, else the object ids 'red,green,blue'.


def episode_success(final_reward: np.ndarray) -> tuple[bool, ...]:
    """Per-task success from the rewards of an episode's last step. final_reward: [T]"""
    return tuple(bool(r >= SUCCESS_THRESHOLD) for r in np.asarray(final_reward))
