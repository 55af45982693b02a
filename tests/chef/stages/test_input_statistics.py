"""Input statistics of scripted episodes, in the order in which the torso flattens its inputs."""

import json

import numpy as np
import pytest

from chef.configs import collect
from chef.networks import inputs
from chef.stages import components, input_statistics, sweep
from chef.utils.config import ConfigError


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
    assert config.input_statistics.inputs == components.observation_keys(config)
    stored = {
        "network": {"vector_mean": [1.0, 2.0], "vector_std": [3.0, 4.0]},
        "input_statistics": {"inputs": ["gripper/grasp"]},
    }
    resumed = _config()
    input_statistics.standardise(resumed, stored)
    assert resumed.network.vector_mean == (1.0, 2.0) and resumed.network.vector_std == (3.0, 4.0)
    assert resumed.input_statistics.inputs == ("gripper/grasp",)
    raw = _config(episodes=0)
    input_statistics.standardise(raw, stored=None)
    assert raw.network.vector_mean == ()


def test_no_episodes_is_refused():
    with pytest.raises(ValueError, match="at least one episode"):
        input_statistics.scripted_observations(_config(), num_episodes=0, seed=0)


def test_sweep_candidates_take_collects_statistics(tmp_path):
    """SWEEP's base config reads the data as COLLECT's learner did: with COLLECT's statistics."""
    stored = {
        "network": {"vector_mean": [1.0, 2.0], "vector_std": [3.0, 4.0]},
        "input_statistics": {"inputs": ["gripper/grasp"]},
    }
    (tmp_path / "config.json").write_text(json.dumps(stored))
    config = _config()
    sweep.with_collects_statistics(config, str(tmp_path))
    assert config.network.vector_mean == (1.0, 2.0) and config.network.vector_std == (3.0, 4.0)
    raw = _config(episodes=0)
    sweep.with_collects_statistics(raw, str(tmp_path))
    assert raw.network.vector_mean == ()


def test_a_config_with_fewer_inputs_uses_their_share_of_the_statistics():
    """A SWEEP candidate without haptics or without the previous actions reads COLLECT's statistics
    of those inputs: the same numbers as statistics measured over its own inputs."""
    collect_config = _config()
    input_statistics.standardise(collect_config, stored=None)
    every = components.network_values(collect_config)
    assert len(every["vector_mean"]) == len(collect_config.network.vector_mean)
    for override in ({"haptics": False}, {"excluded_inputs": ("action/environment", "gripper/grasp")}):
        candidate = _config()
        candidate.update(override)
        input_statistics.standardise(candidate, stored=collect_config.to_dict())
        fewer = components.network_values(candidate)
        assert fewer["observation_keys"] == components.observation_keys(candidate)
        assert len(fewer["vector_mean"]) < len(every["vector_mean"])
        measured = input_statistics.measure(candidate, num_episodes=1, seed=candidate.seed)
        np.testing.assert_allclose(fewer["vector_mean"], measured[0], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(fewer["vector_std"], measured[1], rtol=1e-5, atol=1e-6)
        components.StageSpec.from_config(candidate)  # Builds with the cut statistics.


def test_statistics_over_fewer_inputs_than_the_agent_reads_are_refused():
    narrow = _config()
    narrow.excluded_inputs = ("wrist/force",)
    input_statistics.standardise(narrow, stored=None)
    wide = _config()
    input_statistics.standardise(wide, stored=narrow.to_dict())
    with pytest.raises(ConfigError, match=r"input_statistics: the input statistics cover .* not \['wrist/force'\]"):
        components.network_values(wide)


def test_an_unknown_excluded_input_is_refused():
    config = _config()
    config.excluded_inputs = ("wrist/forse",)
    with pytest.raises(ConfigError, match=r"excluded_inputs: \['wrist/forse'\] are not inputs of observation set"):
        components.observation_keys(config)


def test_a_config_json_written_before_inputs_existed_covers_its_own_inputs():
    collect_config = _config()
    input_statistics.standardise(collect_config, stored=None)
    old = collect_config.to_dict()
    del old["input_statistics"]["inputs"]
    del old["excluded_inputs"]
    candidate = _config()
    candidate.excluded_inputs = ("action/environment",)
    input_statistics.standardise(candidate, stored=old)
    assert candidate.input_statistics.inputs == components.observation_keys(collect_config)
    assert len(components.network_values(candidate)["vector_mean"]) == len(old["network"]["vector_mean"]) - 16


def test_statistics_of_another_length_are_refused():
    config = _config()
    config.network.vector_mean, config.network.vector_std = (0.0, 0.0), (1.0, 1.0)
    with pytest.raises(ConfigError, match=r"input_statistics: 2 means and 2 stds for \d+ features"):
        components.network_values(config)
