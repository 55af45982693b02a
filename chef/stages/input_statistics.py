"""Standardised inputs for an online stage: the agent's vector-input statistics over noisy scripted
episodes, measured once before training and stored in the stage's config (config.network.vector_mean
/ vector_std), so that the learner, the actors and every later restore build the same torso."""

from typing import Any

import dm_env
import ml_collections
import numpy as np
from absl import logging

from chef.agents.scripted import ScriptedStackingActor
from chef.networks import inputs
from chef.stages import components, episodes


class ObservationRecorder:
    """An episode observer keeping the named observation entries of every step."""

    def __init__(self, keys: tuple[str, ...]):
        self._keys = keys
        self._steps: list[dict[str, np.ndarray]] = []

    def _keep(self, timestep: dm_env.TimeStep) -> None:
        self._steps.append({k: np.asarray(timestep.observation[k]) for k in self._keys})

    def add_first(self, timestep: dm_env.TimeStep) -> None:
        self._keep(timestep)

    def add(self, action: np.ndarray, next_timestep: dm_env.TimeStep) -> None:
        del action
        self._keep(next_timestep)

    def observations(self) -> dict[str, np.ndarray]:
        """{key: [N, ...]} over every recorded step."""
        return {k: np.stack([step[k] for step in self._steps]) for k in self._keys}


def scripted_observations(config: ml_collections.ConfigDict, num_episodes: int, seed: int) -> dict[str, np.ndarray]:
    """{key: [N, ...]}: the agent's vector inputs at every step of `num_episodes` episodes of the
    scripted stacking policy with the actors' `scripted_noise`."""
    if num_episodes < 1:
        raise ValueError(f"input statistics need at least one episode, got {num_episodes}")
    vector_keys, _ = inputs.split_keys(components.observation_keys(config))
    env = components.make_env(config, seed=seed)
    actor = ScriptedStackingActor(env.to_canonical, config.actors.scripted_noise, seed=seed)
    recorder = ObservationRecorder(vector_keys)
    try:
        for _ in range(num_episodes):
            episodes.run_episode(env, actor, [0], config.env.episode_length, [recorder])
    finally:
        env.close()
    return recorder.observations()


def measure(
    config: ml_collections.ConfigDict, num_episodes: int, seed: int
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """(mean, std) [F] of `scripted_observations` (`inputs.vector_statistics` order)."""
    observations = scripted_observations(config, num_episodes, seed)
    return inputs.vector_statistics(observations, components.observation_keys(config))


def standardise(config: ml_collections.ConfigDict, stored: dict[str, Any] | None) -> None:
    """Fills config.network.vector_mean / vector_std, and config.input_statistics.inputs with the
    inputs they cover, when `config.input_statistics.episodes` > 0.

    `stored`: the config.json of an earlier (resumed) run or of the COLLECT run a later stage reads,
    whose statistics are reused so that a learner restores into the same network; a config whose
    inputs are fewer uses their share (`components.network_values`). Explicit statistics are left
    as given."""
    num_episodes = config.input_statistics.episodes
    if num_episodes == 0 or len(config.network.vector_mean):
        return
    stored = stored or {}
    network = stored.get("network", {})
    if len(network.get("vector_mean", ())):
        mean, std = tuple(network["vector_mean"]), tuple(network["vector_std"])
        keys = tuple(stored.get("input_statistics", {}).get("inputs", ())) or components.observation_keys(
            components.as_config_dict(stored)
        )  # A config.json written before `inputs` existed: its own inputs.
    else:
        logging.info("Measuring input statistics over %d scripted episodes.", num_episodes)
        mean, std = measure(config, num_episodes, seed=config.seed)
        keys = components.observation_keys(config)
    config.network.vector_mean, config.network.vector_std = mean, std
    config.input_statistics.inputs = keys
