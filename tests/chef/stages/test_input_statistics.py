"""Input statistics of scripted episodes, in the order in which the torso flattens its inputs."""

import json

import numpy as np
import pytest

from chef.configs import collect
from chef.networks import inputs
from chef.stages import components, input_statistics, sweep


def _config(episodes: int = 1):
    config = collect.get_config("tiny")
    config.input_statistics.episodes = episodes
    return config


def test_statistics_standardise_the_torso_features():
    config = _config()
    mean, std = input_statistics.measure(config, num_episodes=1, seed=config.seed)
    observations = input_statistics.scripted_observations(config, num_episodes=1, seed=config.seed)
    assert len(observations["gripper/grasp"]) == config.env.episode_length + 1  # First step + L steps.
    keys = inputs.split_keys(components.observation_keys(config))[0]
    features = np.asarray(inputs.flatten_vectors(observations, keys))  # [N, F]
    assert features.shape[1] == len(mean) == len(std)
    standardised = (features - np.asarray(mean)) / np.asarray(std)
    varying = features.std(0) > inputs.MIN_STD
    np.testing.assert_allclose(standardised.mean(0), 0.0, atol=1e-4)
    np.testing.assert_allclose(standardised.std(0)[varying], 1.0, atol=1e-3)
    assert max(std) > 10 * min(s for s, v in zip(std, varying) if v)  # Raw scales differ widely.


def test_standardise_fills_the_network_config_and_reuses_stored_statistics():
    config = _config()
    input_statistics.standardise(config, stored=None)
    assert len(config.network.vector_mean) == len(config.network.vector_std) > 0
    stored = {"network": {"vector_mean": [1.0, 2.0], "vector_std": [3.0, 4.0]}}
    resumed = _config()
    input_statistics.standardise(resumed, stored)
    assert resumed.network.vector_mean == (1.0, 2.0) and resumed.network.vector_std == (3.0, 4.0)
    raw = _config(episodes=0)
    input_statistics.standardise(raw, stored=None)
    assert raw.network.vector_mean == ()


def test_no_episodes_is_refused():
    with pytest.raises(ValueError, match="at least one episode"):
        input_statistics.scripted_observations(_config(), num_episodes=0, seed=0)


def test_sweep_candidates_take_collects_statistics(tmp_path):
    """SWEEP's base config reads the data as COLLECT's learner did: with COLLECT's statistics."""
    (tmp_path / "config.json").write_text(
        json.dumps({"network": {"vector_mean": [1.0, 2.0], "vector_std": [3.0, 4.0]}})
    )
    config = _config()
    sweep.with_collects_statistics(config, str(tmp_path))
    assert config.network.vector_mean == (1.0, 2.0) and config.network.vector_std == (3.0, 4.0)
    raw = _config(episodes=0)
    sweep.with_collects_statistics(raw, str(tmp_path))
    assert raw.network.vector_mean == ()
