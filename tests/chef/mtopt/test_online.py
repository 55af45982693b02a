import dataclasses

import jax
import numpy as np
import pytest
import tensorflow_datasets as tfds

from chef.agents.qtopt import builder as builder_lib
from chef.configs import mtopt as mtopt_experiments
from chef.data import rlds_reader
from chef.mtopt import collection, episodes, launch_setup, online, training
from chef.utils import config as config_lib

POSES = ("rgb30_red/abs_pose", "rgb30_green/abs_pose", "rgb30_blue/abs_pose", "sawyer/pinch/pose")


def _online_config(config) -> online.OnlineConfig:
    return config_lib.from_config(online.OnlineConfig, config.online, where="online")


def test_learned_policy_chains_write_online_episodes(tmp_path, monkeypatch):
    """With the TERMINATE switch on, the Q-actions have it last; the written actions do not. (Episodes
    end at the step limit here; tests/chef/mtopt/test_collection.py covers ending at TERMINATE.)"""
    config = mtopt_experiments.get_config("tiny")
    config.grid.terminate_fraction = 0.5
    config.episode_end = "deadline"
    setup = launch_setup.from_config(config)
    env = launch_setup.make_env(config, setup)
    builder = training.qtopt_builder(setup.qtopt, setup.family, *training.q_action_bounds(env, setup.grid))
    learner = builder.make_learner(builder.make_network(), iter(()), env.reset().observation, jax.random.PRNGKey(0))
    actors = []

    class RecordingActor(builder_lib.QtOptActor):
        """The real actor, recording the task it acts for at every decision."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.task_ids = []
            actors.append(self)

        def select_action(self, observation):
            self.task_ids.append(self.task_id)
            return super().select_action(observation)

    monkeypatch.setattr(builder_lib, "QtOptActor", RecordingActor)
    online_config = dataclasses.replace(_online_config(config), chains_per_round=2)
    summaries = online.collect_round(
        tmp_path, env, setup.family, learner, setup.qtopt, setup.grid, setup.collection, online_config, seed=5
    )

    family, (low, high) = setup.family, training.action_bounds(env)
    assert [family.task(s["task"]).skill for s in summaries] == ["acquisition", "placement"] * 2
    assert {s["stage"] for s in summaries} == {online.ONLINE_STAGE}
    # Decision period 2: 12 control steps per segment are 6 decisions, each for the segment's task.
    (actor,) = actors
    assert actor.task_ids == [family.task_id(s["task"]) for s in summaries for _ in range(6)]

    stored = list(tfds.as_numpy(rlds_reader.episode_dataset(tmp_path, steps_as_tensors=True)))
    assert len(stored) == 4
    for episode, summary, chain in zip(stored, summaries, (0, 0, 1, 1)):
        assert episode["stage"].decode() == online.ONLINE_STAGE and episode["seed"] == collection.chain_seed(5, chain)
        assert [t.decode() for t in episode["task_sequence"]] == [summary["task"]]
        assert episode["success"][family.task_id(summary["task"])] == summary["success"]
        steps = episode["steps"]
        assert steps["action"].shape == (7, len(low))
        assert np.all((low <= steps["action"][:-1]) & (steps["action"][:-1] <= high))
        np.testing.assert_array_equal(steps["reward"][:-2], 0.0)
        np.testing.assert_array_equal(steps["reward"][-2], episode["success"].astype(np.float32))
        assert steps["discount"][-2] == 0.0 and steps["is_terminal"][-1]
    for pick, place in ((stored[0], stored[1]), (stored[2], stored[3])):  # No reset between the segments.
        for key in POSES:
            np.testing.assert_allclose(place["steps"]["observation"][key][0], pick["steps"]["observation"][key][-1])

    table = episodes.load_episodes(tmp_path, family, setup.qtopt.observation_keys)
    assert table.collected_for == tuple(s["task"] for s in summaries)
    np.testing.assert_array_equal(table.lengths, [7, 7, 7, 7])
    counts = online.learned_successes(summaries, family)
    assert {skill: c["segments"] for skill, c in counts.items()} == {"acquisition": 2, "placement": 2}
    assert sum(c["successes"] for c in counts.values()) == sum(s["success"] for s in summaries)


def test_learned_successes_count_only_the_learned_segments():
    family = launch_setup.from_config(mtopt_experiments.get_config("tiny")).family
    summaries = [
        {"chain": 0, "task": "lift-red", "success": True, "stage": online.ONLINE_STAGE},
        {"chain": 0, "task": "place-any", "success": False, "stage": online.ONLINE_STAGE},
        {"chain": 1, "task": "lift-blue", "success": True, "stage": "mtopt_bootstrap"},
        {"chain": 2, "task": "lift-any", "success": False, "stage": online.ONLINE_STAGE},
    ]
    assert online.learned_successes(summaries, family) == {
        "acquisition": {"successes": 1, "segments": 2},
        "placement": {"successes": 0, "segments": 1},
    }


@pytest.mark.parametrize("variant", ["state", "tiny"])
def test_variants_have_a_valid_online_config(variant):
    online_config = _online_config(mtopt_experiments.get_config(variant))
    assert online_config.epsilon == 0.2 and (online_config.strategy, online_config.sampler) == ("skill", "rebalanced")
    if variant == "tiny":
        assert (online_config.rounds, online_config.steps_per_round, online_config.chains_per_round) == (2, 3, 1)


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("rounds", 0, "rounds must be >= 1, got 0"),
        ("steps_per_round", 0, "steps_per_round must be >= 1, got 0"),
        ("chains_per_round", -1, "chains_per_round must be >= 1, got -1"),
        ("epsilon", 1.5, r"epsilon must lie in \[0, 1\], got 1.5"),
        ("scripted_fraction", -0.25, r"scripted_fraction must lie in \[0, 1\], got -0.25"),
        ("strategy", "skil", "strategy must be one of .*'skill'.*, got 'skil'"),
        ("sampler", "balanced", "sampler must be one of .*, got 'balanced'"),
        ("round", 2, r"unknown field\(s\) \['round'\]"),
    ],
)
def test_bad_online_config_fails_with_a_clear_error(field, value, message):
    config = mtopt_experiments.get_config("tiny")
    config.online[field] = value
    with pytest.raises(config_lib.ConfigError, match=f"^online: {message}"):
        _online_config(config)
