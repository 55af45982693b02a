"""COLLECT's acting processes against a real Reverb server: scripted share, evaluator head cycling."""

import dataclasses
import json

import numpy as np
import pytest
import reverb
import tensorflow_datasets as tfds

from chef import types
from chef.configs import collect
from chef.data import layout
from chef.replay import dataset as replay_dataset
from chef.replay import resident, variables
from chef.replay import server as server_lib
from chef.stages import components, evaluator, online
from chef.utils import config as config_lib
from chef.utils import seeds


def _config(**actors):
    config = collect.get_config("tiny")
    config.env.episode_length = 30
    config.actors.update(actors)
    config.evaluator.tasks = ("reach_grasp", "lift")
    config.evaluator.period_s = 0.0
    config.replay.samples_per_insert = None  # No learner samples here: inserts must never block.
    return config


@pytest.fixture
def replay(tmp_path):
    spec = components.StageSpec.from_config(_config())
    server = server_lib.start_server(spec.replay, port=None, signature=online.replay_signature(spec))
    address = server.address
    builder = spec.mpo_builder()
    params = builder.init_policy_params(builder.make_networks()[0])
    variables.VariablePublisher(reverb.Client(address), spec.replay.variables_table).publish(
        {"policy": params}, version=7
    )
    yield address
    server.stop()


def _inbox(config) -> str:
    """The replay table actors insert into (the learner's inbox)."""
    return components.StageSpec.from_config(config).replay.data_tables[0]


def _episodes(directory) -> list[dict]:
    return list(tfds.as_numpy(tfds.builder_from_directory(str(directory)).as_dataset(split="train")))


def test_actor_mixes_scripted_episodes_in_canonical_actions(replay, tmp_path):
    config = _config(scripted_fraction=0.5)
    online.run_actor(config.to_dict(), 0, replay, str(tmp_path / "data"), str(tmp_path / "metrics"), max_episodes=6)
    episodes = _episodes(tmp_path / "data")
    sequences = [tuple(t.decode() for t in e["task_sequence"]) for e in episodes]
    assert 0 < sum(s == ("scripted",) for s in sequences) < 6
    assert all(len(s) == 3 for s in sequences if s != ("scripted",))  # The SAC-X schedule's segments.
    actions = np.concatenate([np.stack([step["action"] for step in e["steps"]]) for e in episodes])  # [N, 5]
    assert np.all(np.abs(actions) <= 1.0) and actions[:, :3].std() > 0.1  # Canonical units, not m/s.
    rows = [json.loads(line) for line in (tmp_path / "metrics/actor_0.jsonl").read_text().splitlines()]
    assert [r["scripted"] == 1.0 for r in rows] == [s == ("scripted",) for s in sequences]
    assert reverb.Client(replay).server_info()[_inbox(config)].current_size > 0


@pytest.mark.parametrize("scripted_fraction", [0.0, 1.0])
def test_actor_marks_scripted_transitions_as_demonstrations(replay, tmp_path, scripted_fraction):
    config = _config(scripted_fraction=scripted_fraction)
    online.run_actor(config.to_dict(), 0, replay, str(tmp_path / "data"), str(tmp_path / "metrics"), max_episodes=2)
    table = _inbox(config)  # The inbox queue the learner drains.
    batch = next(replay_dataset.make_replay_iterator(replay, table, batch_size=50))  # What the learner reads.
    np.testing.assert_array_equal(batch.extras[types.DEMONSTRATION], np.full(50, scripted_fraction, np.float32))


def test_evaluator_cycles_over_its_heads_and_feeds_no_replay(replay, tmp_path):
    config = _config(scripted_fraction=1.0)  # Ignored when evaluating.
    evaluator.run_evaluator(config.to_dict(), replay, str(tmp_path / "data"), str(tmp_path / "metrics"), max_episodes=2)
    evaluator.run_evaluator(
        config.to_dict(), replay, str(tmp_path / "data"), str(tmp_path / "metrics"), max_episodes=1
    )  # Restarted: appends and continues its seeds.
    recorded = _episodes(tmp_path / "data")
    sequences = [tuple(t.decode() for t in e["task_sequence"]) for e in recorded]
    assert sequences == [("reach_grasp",), ("lift",), ("reach_grasp",)]
    # The seeds COLLECT's evaluator drew as actor 10_000: evaluations stay comparable across versions.
    assert [int(e["seed"]) for e in recorded] == [
        int(np.random.SeedSequence([config.seed, 10_000, i]).generate_state(1)[0]) for i in range(3)
    ]
    rows = [json.loads(line) for line in (tmp_path / "metrics/evaluator.jsonl").read_text().splitlines()]
    assert ["eval_return/reach_grasp" in r for r in rows] == [True, False, True]
    assert all(r["policy_version"] == 7 and r["scripted"] == 0.0 for r in rows)
    assert reverb.Client(replay).server_info()[_inbox(config)].current_size == 0


def test_the_evaluator_and_actor_zero_reset_from_different_seeds():
    assert seeds.episode_seed(3, 0, 5) != seeds.episode_seed(3, evaluator.SEED_STREAM, 5)


@pytest.mark.parametrize(
    "section, values, message",
    [
        ("actors", dict(scripted_fraction=1.5), "scripted_fraction must be in"),
        ("actors", dict(scripted_noise=-0.1), "scripted_noise must be >= 0"),
        ("evaluator", dict(tasks=("lift", "juggle")), r"\['juggle'\].*have no policy head"),
    ],
)
def test_invalid_acting_configs_are_refused(section, values, message):
    config = _config()
    config[section].update(values)
    with pytest.raises(config_lib.ConfigError, match=message):
        components.validate(config, online=True)


@pytest.mark.parametrize("variant", collect.VARIANTS)
def test_every_collect_variant_is_a_valid_online_config(variant):
    config = collect.get_config(variant)
    components.validate(config, online=True)
    spec = components.StageSpec.from_config(config)
    assert set(spec.scheduler.tasks) <= set(spec.tasks.heads)


def test_refilled_replay_holds_the_transitions_the_actor_sent(replay, tmp_path):
    config = _config(scripted_fraction=1.0)
    online.run_actor(config.to_dict(), 0, replay, str(tmp_path / "data"), str(tmp_path / "metrics"), max_episodes=2)
    table = _inbox(config)
    sent_count = reverb.Client(replay).server_info()[table].current_size
    sent = next(replay_dataset.make_replay_iterator(replay, table, batch_size=sent_count))

    def rows(batch):  # Each transition as a comparable tuple, in a canonical order.
        columns = [
            batch.action,
            batch.reward,
            batch.discount,
            batch.observation["sawyer/tcp/pose"],
            batch.next_observation["sawyer/tcp/pose"],
        ]
        return sorted(map(tuple, np.concatenate([c.reshape(len(c), -1) for c in columns], axis=1).round(5)))

    spec = components.StageSpec.from_config(config)
    replay_config = spec.replay
    resident_replay = resident.ResidentReplay(replay_config, seed=0)
    assert online.refill_replay(resident_replay, spec, [str(tmp_path / "data")], samples_done=0) == sent_count
    refilled = resident_replay.buffer.gather(np.arange(sent_count))
    assert rows(refilled) == rows(sent)
    np.testing.assert_array_equal(refilled.extras[types.DEMONSTRATION], 1.0)  # Scripted: marked.

    # A smaller buffer keeps the newest whole episodes that fit.
    small = resident.ResidentReplay(dataclasses.replace(replay_config, max_size=sent_count - 1), seed=0)
    newest = layout.episode_index(tmp_path / "data")[-1]["length"] - 1  # Its transitions.
    assert online.refill_replay(small, spec, [str(tmp_path / "data")], samples_done=0) == newest < sent_count
