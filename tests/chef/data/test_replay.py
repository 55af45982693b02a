"""Replaying recorded episodes from their dataset's environment metadata and their seeds."""

import subprocess

import imageio.v3 as iio
import numpy as np
import pytest

import rgb_stacking_env
from chef.configs import collect
from chef.data import layout, replay, rlds_reader
from chef.mtopt import collection, rgb_tasks
from chef.stages import components, evaluation
from tests import commands
from tests.chef.data import env_episodes, synthetic

SEEDS = (11, 12)
LENGTH = 24


def _config(object_set: str = "test_random"):
    config = collect.get_config("tiny")
    config.env.object_set = object_set
    config.env.episode_length = LENGTH
    return config


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """Two episodes of random canonical actions in a random object set, recorded as an actor does."""
    directory = tmp_path_factory.mktemp("replay") / "actor_0"
    env_episodes.write_random_episodes(directory, _config(), SEEDS)
    return directory


def test_dataset_records_the_environment(dataset):
    environment = layout.load_layout(dataset).environment
    assert environment["object_set"] == "test_random" and environment["canonical_actions"] is True
    assert environment["episode_length"] == LENGTH and environment["decision_period"] == 1
    assert environment["observation_set"] == "state"


def test_replay_reproduces_the_recorded_observations_and_writes_a_video(dataset, tmp_path):
    for index, seed in enumerate(SEEDS):
        result = replay.replay_episode(dataset, index)
        assert result.seed == seed and not result.ended_early
        assert len(result.replayed["rgb30_red/abs_pose"]) == LENGTH + 1
        for key in result.vector_keys:
            np.testing.assert_allclose(result.replayed[key], result.recorded[key], rtol=0, atol=1e-6, err_msg=key)
        assert result.max_abs_difference <= 1e-6
    # The two episodes differ: the seed, not the environment's running RNG, set each initial state.
    first, second = (replay.replay_episode(dataset, i).recorded["rgb30_red/abs_pose"][0] for i in (0, 1))
    assert not np.array_equal(first, second)

    output = tmp_path / "episode.mp4"
    result = replay.replay_to_video(dataset, 1, output, height=96, with_basket_cameras=True)
    assert output.stat().st_size > 0
    frames = iio.imread(output)  # [T, H, W, 3]
    assert frames.shape[0] == len(result.frames) == LENGTH + 1
    assert "max abs observation difference" in replay.summary(result)


def test_replay_errors_are_one_line(dataset, tmp_path):
    with pytest.raises(layout.DatasetError, match="no dataset directory"):
        replay.replay_episode(tmp_path / "missing", 0)
    with pytest.raises(replay.ReplayError, match=r"episode 2 is out of range: .* has 2 episodes \(0..1\)"):
        replay.replay_episode(dataset, 2)
    synthetic.write_episodes(tmp_path / "old", [0])  # No environment metadata.
    with pytest.raises(replay.ReplayError, match="no environment metadata"):
        replay.replay_episode(tmp_path / "old", 0)
    command = [
        *commands.command("replay_episode"),
        f"--dataset={dataset}",
        "--episode=7",
        f"--output={tmp_path / 'x.mp4'}",
    ]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 2
    assert finished.stderr.strip().splitlines()[-1].startswith("error: episode 7 is out of range")


def test_evaluation_seeds_are_distinct_and_replay_the_episodes(tmp_path):
    spec = components.StageSpec.from_config(_config(object_set="1"))
    builder = spec.mpo_builder()
    params = builder.init_policy_params(builder.make_networks()[0])
    evaluation.evaluate(spec, params, 2, triplets=("1", "4"), dataset_dir=str(tmp_path / "evaluation"), seed=5)
    assert layout.load_layout(tmp_path / "evaluation").environment["object_set"] is None  # per episode: its triplet
    replays = [replay.replay_episode(tmp_path / "evaluation", i) for i in range(4)]
    assert len({r.seed for r in replays}) == 4
    assert [r.triplet for r in replays] == ["1", "1", "4", "4"]
    assert [r.seed for r in replays] == [evaluation.episode_seed(5, t, e) for t in ("1", "4") for e in range(2)]
    for result in replays:
        for key in result.vector_keys:  # The policy's actions, stepped again, give the same episode.
            np.testing.assert_allclose(result.replayed[key], result.recorded[key], rtol=0, atol=1e-6, err_msg=key)
    first_observations = [r.recorded["rgb30_red/abs_pose"][0] for r in replays]
    assert not np.array_equal(first_observations[0], first_observations[1])  # Same triplet, other seed.


def test_a_random_object_set_is_evaluated_with_its_own_seeds_and_records_the_drawn_triplets(tmp_path):
    """Test triplets keep their seeds (stream = their number, as FINE-TUNE recorded them); a random
    set has a stream of its own, and each episode records the triplet it drew, from which it replays."""
    assert [evaluation.seed_stream(t) for t in ("1", "5", "test_random")] == [1, 5, 6]
    config = _config(object_set="1")
    config.scheduler.main_task = "reach_grasp"  # A reward a random policy earns: its return is not 0.
    spec = components.StageSpec.from_config(config)
    builder = spec.mpo_builder()
    params = builder.init_policy_params(builder.make_networks()[0])
    result = evaluation.evaluate(spec, params, 3, triplets=("test_random",), dataset_dir=str(tmp_path / "e"), seed=5)
    counts = result.counts
    assert list(counts) == ["test_random"] and counts["test_random"].episodes == 3
    recorded = rlds_reader.episode_returns(tmp_path / "e")[:, spec.tasks.reward_column(spec.scheduler.main_task)]
    assert recorded.min() > 0 and result.main_task_return == pytest.approx(recorded.mean(), rel=1e-5)
    replays = [replay.replay_episode(tmp_path / "e", i) for i in range(3)]
    assert [r.seed for r in replays] == [evaluation.episode_seed(5, "test_random", e) for e in range(3)]
    assert {r.triplet for r in replays} <= set(evaluation.TEST_TRIPLETS)
    for result in replays:
        np.testing.assert_allclose(
            result.replayed["rgb30_red/abs_pose"], result.recorded["rgb30_red/abs_pose"], atol=1e-6
        )


def test_mtopt_place_segments_replay_after_their_pick_segment(tmp_path):
    family = rgb_tasks.rgb_task_family()
    env = rgb_stacking_env.make(object_set="2", observation_set="state", seed=3, episode_length=100)
    config = collection.CollectionConfig(num_chains=2, pick_steps=8, place_steps=6, decision_period=2)
    collection.collect_dataset(tmp_path, env, family, config, seed=1)
    environment = layout.load_layout(tmp_path).environment
    assert environment["decision_period"] == 2 and environment["chained_segments"] is True
    assert environment["canonical_actions"] is False
    replays = [replay.replay_episode(tmp_path, i) for i in range(4)]
    assert [r.seed for r in replays] == [collection.chain_seed(1, c) for c in (0, 0, 1, 1)]
    for result in replays:
        assert result.max_abs_difference <= 1e-6, replay.summary(result)
