"""StageSpec: a stage's config parsed once, with the real environment's observation spec."""

import numpy as np
import pytest

import rgb_stacking_env
from chef.configs import collect
from chef.stages import components
from chef.utils import config as config_lib


def test_stage_spec_holds_the_typed_configs_layout_and_inputs():
    config = collect.get_config("tiny")
    config.mpo.tasks = ("lift", "reach_grasp")
    spec = components.StageSpec.from_config(config.to_dict())  # As a node receives it.
    assert spec.network.observation_keys == components.observation_keys(config)
    assert tuple(spec.observation_spec) == spec.network.observation_keys
    assert spec.tasks.heads == ("lift", "reach_grasp") and spec.tasks.reward_names == rgb_stacking_env.TASK_NAMES
    assert spec.tasks.reward_columns == tuple(rgb_stacking_env.TASK_NAMES.index(t) for t in ("lift", "reach_grasp"))
    assert spec.scheduler.episode_length == config.env.episode_length
    assert spec.action_dim == rgb_stacking_env.environment.ACTION_MAX.shape[0]
    assert spec.environment["observation_set"] == config.env.observation_set
    example = spec.example_observation()
    assert all(x.shape == (1, *spec.observation_spec[k].shape) and not np.any(x) for k, x in example.items())
    assert spec.evaluated_tasks == (tuple(config.evaluator.tasks) or spec.tasks.heads)
    policy, critic = spec.mpo_builder().make_networks()
    assert policy.num_tasks == critic.num_tasks == 2


def test_malformed_sections_are_refused_naming_the_field():
    config = collect.get_config("tiny")
    config.actors.num_actors = 0
    with pytest.raises(config_lib.ConfigError, match="num_actors"):
        components.StageSpec.from_config(config)
