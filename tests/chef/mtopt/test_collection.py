import dataclasses

import numpy as np
import pytest
import tensorflow_datasets as tfds

import rgb_stacking_env
from chef import wrappers
from chef.data import rlds_reader
from chef.data.rlds_writer import EpisodeWriter
from chef.mtopt import collection, decisions, episodes, rgb_tasks
from chef.mtopt.bootstrap import NoisyPickPlace
from rgb_stacking_env.rewards import REWARD_STATE_KEY, RewardState
from rgb_stacking_env.scripted_policy import Phase

KEYS = ("rgb30_red/abs_pose", "gripper/joints/angle")


def test_pick_and_place_targets():
    rng = np.random.default_rng(0)
    assert collection.pick_colour("lift-blue", rng) == "blue"
    assert {collection.pick_colour("lift-any", rng) for _ in range(30)} == set(rgb_tasks.COLOURS)
    assert collection.place_target("place-green-on-blue", "green", rng) == "blue"
    assert collection.place_target("stack_leave", "red", rng) == "blue"
    assert collection.place_target("place-red-on-blue", "blue", rng) in ("red", "green")
    assert collection.place_target("place-any", "red", rng) in ("green", "blue")
    with pytest.raises(ValueError, match="no scripted pick for task 'place-any'"):
        collection.pick_colour("place-any", rng)


def test_chained_collection_writes_one_episode_per_task_segment(tmp_path):
    family = rgb_tasks.rgb_task_family()
    env = rgb_stacking_env.make(object_set="1", observation_set="state", seed=3, episode_length=100)
    writer = EpisodeWriter(tmp_path, family.names)
    config = collection.CollectionConfig(num_chains=2, pick_steps=8, place_steps=6)
    summaries = collection.collect(env, writer, family, config, seed=1)
    writer.close()
    assert [s["task"] in family.tasks_in_skill("acquisition") for s in summaries] == [True, False, True, False]

    stored = list(tfds.as_numpy(rlds_reader.episode_dataset(tmp_path, steps_as_tensors=True)))
    assert len(stored) == 4
    for episode, summary in zip(stored, summaries):
        assert [t.decode() for t in episode["task_sequence"]] == [summary["task"]]
        steps = episode["steps"]
        assert len(steps["action"]) == (9 if summary["task"].startswith("lift") else 7)
        # Sparse reward: the success labels on the last transition only, then a terminal.
        np.testing.assert_array_equal(steps["reward"][:-2], 0.0)
        np.testing.assert_array_equal(steps["reward"][-2], episode["success"].astype(np.float32))
        assert steps["discount"][-2] == 0.0 and steps["is_terminal"][-1]

    # The place segment continues from the pick segment's last state (no reset between them).
    np.testing.assert_allclose(
        stored[1]["steps"]["observation"]["rgb30_red/abs_pose"][0],
        stored[0]["steps"]["observation"]["rgb30_red/abs_pose"][-1],
    )
    table = episodes.load_episodes(tmp_path, family, KEYS)
    assert table.collected_for == tuple(s["task"] for s in summaries)
    np.testing.assert_array_equal(table.labels, np.stack([e["success"] for e in stored]))
    np.testing.assert_array_equal(table.lengths, [9, 7, 9, 7])
    # Per-step labels: the last step's are the episode's; nothing succeeds at a reset.
    np.testing.assert_array_equal(table.step_labels[table.starts + table.lengths - 1], table.labels)
    assert not table.step_labels[table.starts[::2]].any()
    assert table.observations["rgb30_red/abs_pose"].shape == (32, 3, 7)


class _StillChain:
    """A stand-in learned ChainPolicy: holds still and records the tasks it acts for."""

    stage = "test_learned"

    def __init__(self):
        self.tasks = []

    def start(self, first_observation):
        assert "rgb30_red/abs_pose" in first_observation

    def pick(self, task):
        self.tasks.append(task)
        return lambda observation: np.zeros(5, np.float32)

    place = pick


def test_collection_mixes_scripted_and_learned_chains(tmp_path):
    family = rgb_tasks.rgb_task_family()
    env = rgb_stacking_env.make(object_set="1", observation_set="state", seed=3, episode_length=100)
    config = collection.CollectionConfig(num_chains=8, pick_steps=4, place_steps=4, decision_period=2)
    learned = _StillChain()
    summaries = collection.collect_dataset(
        tmp_path / "mixed", env, family, config, seed=1, learned=learned, scripted_fraction=0.5
    )
    stages = [s["stage"] for s in summaries]
    assert set(stages) == {collection.STAGE, "test_learned"} and len(stages) == 16
    assert learned.tasks == [s["task"] for s in summaries if s["stage"] == "test_learned"]
    stored = list(tfds.as_numpy(rlds_reader.episode_dataset(tmp_path / "mixed", steps_as_tensors=True)))
    assert [e["stage"].decode() for e in stored] == stages

    for fraction, stage in ((0.0, "test_learned"), (1.0, collection.STAGE)):
        single = dataclasses.replace(config, num_chains=2)
        summaries = collection.collect_dataset(
            tmp_path / str(fraction), env, family, single, seed=1, learned=_StillChain(), scripted_fraction=fraction
        )
        assert {s["stage"] for s in summaries} == {stage}
    with pytest.raises(ValueError, match=r"scripted_fraction must lie in \[0, 1\], got 1.5"):
        collection.collect_dataset(
            tmp_path / "bad", env, family, config, seed=1, learned=learned, scripted_fraction=1.5
        )


def _beside_a_noise_free_twin(steps: int, **exploration) -> list[tuple[np.ndarray, np.ndarray]]:
    """(explored action, noise-free scripted action) pairs of a pick of red, both policies given the
    explored policy's observations."""
    env = rgb_stacking_env.make(object_set="1", observation_set="state", seed=0, episode_length=steps + 10)
    policy = NoisyPickPlace(0.0, 0.0, np.random.default_rng(0), **exploration)
    twin = NoisyPickPlace(0.0, 0.0, np.random.default_rng(0))
    timestep = env.reset()
    for p in (policy, twin):
        p.reset(timestep.observation)
        p.start_pick("red")
    pairs = []
    for _ in range(steps):
        action, scripted = policy(timestep.observation), twin(timestep.observation)
        assert np.all(action >= env.action_spec().minimum) and np.all(action <= env.action_spec().maximum)
        pairs.append((action, scripted))
        timestep = env.step(action)
    return pairs


def test_random_action_probability_replaces_the_arm_velocities_and_keeps_the_phases_gripper():
    """At probability 0 every decision is the scripted one; at 0.5 about half of the 40 have other
    arm velocities, and every gripper command is still the scripted phase's."""
    assert all(np.array_equal(a, s) for a, s in _beside_a_noise_free_twin(40, random_action_probability=0.0))
    pairs = _beside_a_noise_free_twin(40, random_action_probability=0.5)
    differing = sum(not np.array_equal(a[:4], s[:4]) for a, s in pairs)
    assert 12 <= differing <= 28, differing
    assert all(a[-1] == s[-1] for a, s in pairs)
    with pytest.raises(ValueError, match="random_action_probability"):
        collection.CollectionConfig(random_action_probability=1.5)


def test_gripper_flips_follow_the_phase():
    """Flips with probability 1 in one kind of phase and 0 in the other: the gripper command is the
    opposite of the scripted one exactly in the phases of that kind (a pick of red, 200 decisions:
    open while approaching and descending, then closed)."""
    for open_phases, held_phases in ((1.0, 0.0), (0.0, 1.0)):
        pairs = _beside_a_noise_free_twin(200, gripper_flip_probability=open_phases, held_flip_probability=held_phases)
        scripted = np.asarray([s[-1] for _, s in pairs])
        assert {-1.0, 1.0} <= set(scripted)  # Both kinds of phase occur.
        flipped = np.asarray([a[-1] == -s[-1] for a, s in pairs])
        np.testing.assert_array_equal(flipped, scripted < 0 if open_phases else scripted > 0)
    with pytest.raises(ValueError, match="held_flip_probability must lie in"):
        collection.CollectionConfig(held_flip_probability=-0.1)


def _level_pick(env, seed: int, level_approach_probability: float) -> dict:
    """A noise-free pick of red (60 decisions) from the scene reset with `seed`: the decisions taken
    beside red (5-11 cm from it horizontally, closer to it in height), the point beside red drawn at
    the first decision (None on a straight approach), red's half-height and where the pinch and red
    were then, the pinch's closest distance to the point, and whether the pick got past the approach."""
    policy = NoisyPickPlace(
        0.0, 0.0, np.random.default_rng(seed), decision_period=5, level_approach_probability=level_approach_probability
    )
    timestep = wrappers.reset(env, seed)
    policy.reset(timestep.observation)
    policy.start_pick("red")
    pick = dict(
        first=RewardState.from_vector(timestep.observation[REWARD_STATE_KEY]),
        half=rgb_tasks.resting_half_heights(timestep.observation)["red"],
        level=0,
        point=None,
        closest=np.inf,
        past_approach=False,
    )
    for _ in range(60):
        state = RewardState.from_vector(timestep.observation[REWARD_STATE_KEY])
        offset = state.red_pos - state.pinch_pos
        pick["level"] += int(0.05 <= np.linalg.norm(offset[:2]) <= 0.11 and abs(offset[2]) < np.linalg.norm(offset[:2]))
        if pick["point"] is not None:
            pick["closest"] = min(pick["closest"], float(np.linalg.norm(state.pinch_pos - pick["point"])))
        timestep = env.step(policy(timestep.observation))
        if pick["point"] is None and policy.beside is not None:
            pick["point"] = policy.beside.copy()
        pick["past_approach"] |= policy.phase != Phase.APPROACH
    return pick


def test_a_level_approach_goes_beside_the_object_first():
    """With level_approach_probability=1 the pick first draws a point 6-10 cm from red on the pinch's
    side, between red's centre and top; the pinch gets there, spends some (not all) of its decisions
    level with red, then goes on to the descent, in each of 3 scenes. The straight approach from the
    same states draws no point and spends fewer decisions level with red."""
    env = decisions.with_decision_period(
        rgb_stacking_env.make(object_set="1", observation_set="state", seed=0, episode_length=400), 5
    )
    for seed in range(3):
        beside, straight = _level_pick(env, seed, 1.0), _level_pick(env, seed, 0.0)
        red, pinch, point = beside["first"].red_pos, beside["first"].pinch_pos, beside["point"]
        assert point is not None and straight["point"] is None
        assert 0.06 - 1e-6 <= np.linalg.norm(point[:2] - red[:2]) <= 0.10 + 1e-6, (seed, point, red)
        assert np.dot(point[:2] - red[:2], pinch[:2] - red[:2]) > 0, (seed, point, red, pinch)
        assert red[2] - 1e-6 <= point[2] <= red[2] + beside["half"] + 1e-6, (seed, point, red)
        assert beside["closest"] < 0.015 and beside["past_approach"], (seed, beside)
        assert 2 <= beside["level"] <= 20 and beside["level"] > straight["level"], (seed, beside, straight)
    with pytest.raises(ValueError, match="level_approach_probability must lie in"):
        collection.CollectionConfig(level_approach_probability=2.0)


def test_scripted_picks_end_at_their_first_success_and_deadline_picks_run_on(tmp_path):
    """Noise-free scripted picks of red on triplet 4 (lifted in 92 % of episodes, docs/environment.md),
    up to 40 decisions of 5 control steps, 6 seeds: with episode_end='success' a pick episode ends at the
    first decision after which lift-red holds, or fails at the limit without it ever holding; with
    'deadline' every episode runs to the limit."""
    family = rgb_tasks.rgb_task_family()
    env = decisions.with_decision_period(
        rgb_stacking_env.make(object_set="4", observation_set="state", seed=3, episode_length=600), 5
    )
    for episode_end in collection.EPISODE_ENDS:
        writer = EpisodeWriter(tmp_path / episode_end, family.names)
        for seed in range(6):
            policy = NoisyPickPlace(0.0, 0.0, np.random.default_rng(0), decision_period=5)
            first = wrappers.reset(env, seed)
            metadata = collection.chain_metadata(env, "test", seed)
            policy.reset(first.observation)
            policy.start_pick("red")
            collection.run_segment(env, first, policy, 40, family, writer, "lift-red", metadata, episode_end)
        writer.close()
        table = episodes.load_episodes(tmp_path / episode_end, family, KEYS)
        task = family.task_id("lift-red")
        held = [table.step_labels[start : start + length, task] for start, length in zip(table.starts, table.lengths)]
        assert sum(h[-1] for h in held) >= 3  # 4 or more failures in 6 at an 8 % rate: p = 0.0005.
        for h in held:
            if episode_end == "deadline":
                assert len(h) == 41
            elif h[-1]:
                assert not h[:-1].any() and len(h) < 41
            else:
                assert len(h) == 41 and not h.any()


def test_terminate_ends_a_segment_and_one_before_any_action_writes_nothing(tmp_path):
    family = rgb_tasks.rgb_task_family()
    env = rgb_stacking_env.make(object_set="1", observation_set="state", seed=3, episode_length=100)
    writer = EpisodeWriter(tmp_path, family.names)
    metadata = collection.EpisodeMetadata(stage="test", success=(), seed=0)
    still = np.zeros(5, np.float32)
    decisions_made = []

    def terminating_at(decision):
        def policy(observation):
            decisions_made.append(decision)
            return None if len(decisions_made) > decision else still

        return policy

    first = env.reset()
    timestep, labels = collection.run_segment(env, first, terminating_at(3), 10, family, writer, "lift-red", metadata)
    assert len(decisions_made) == 4 and set(labels) == set(family.names)
    decisions_made.clear()
    after, _ = collection.run_segment(env, timestep, terminating_at(0), 10, family, writer, "lift-red", metadata)
    assert len(decisions_made) == 1 and after is timestep
    with pytest.raises(ValueError, match="TERMINATE"):
        collection.run_segment(env, timestep, lambda o: None, 10, family, writer, "lift-red", metadata, "deadline")
    writer.close()
    (stored,) = tfds.as_numpy(rlds_reader.episode_dataset(tmp_path, steps_as_tensors=True))
    assert len(stored["steps"]["action"]) == 4  # Three decisions, then the final state.


def test_a_place_segment_starting_with_green_in_hand_is_labelled_with_greens_resting_half_height(tmp_path):
    """Place segments that start where a scripted pick of green left off: their first step's labels must
    equal the simulation's there (issue 18: green's half-height taken from the segment's own first step,
    with green in hand, labelled failed place-green-on-blue episodes successes). The half-heights come
    from the scene at the chain's reset and are stored with each episode. Four chains; the noise-free
    pick lifted green in 6 of 6 chains when measured, and at least 2 must here."""
    family = rgb_tasks.rgb_task_family()
    env = rgb_stacking_env.make(object_set="1", observation_set="state", seed=0, episode_length=1000)
    writer = EpisodeWriter(tmp_path, family.names)
    expected, held, at_reset = [], [], []
    for chain in range(4):
        first = wrappers.reset(env, collection.chain_seed(0, chain))
        metadata = collection.chain_metadata(env, "test", collection.chain_seed(0, chain))
        at_reset.append(metadata.object_half_heights)
        policy = NoisyPickPlace(0.0, 0.0, np.random.default_rng(0))
        policy.reset(first.observation)
        policy.start_pick("green")
        at_place, labels = collection.run_segment(
            env, first, policy, 220, family, writer, "lift-green", metadata, "deadline"
        )
        expected.append([labels[t] for t in family.names])  # The simulation's labels where the place starts.
        if labels["lift-green"]:  # What the old labelling used instead of green's resting half-height:
            held.append(
                rgb_tasks.resting_half_heights(at_place.observation)["green"]
                - rgb_tasks.resting_half_heights(first.observation)["green"]
            )
        policy.start_place("blue")
        collection.run_segment(env, at_place, policy, 3, family, writer, "place-green-on-blue", metadata, "deadline")
    writer.close()
    table = episodes.load_episodes(tmp_path, family, KEYS)
    np.testing.assert_array_equal(table.step_labels[table.starts[1::2]], expected)
    assert len(held) >= 2 and min(held) > 0.05, held
    stored = list(tfds.as_numpy(rlds_reader.episode_dataset(tmp_path)))
    np.testing.assert_allclose([e["object_half_heights"] for e in stored], np.repeat(at_reset, 2, axis=0))
    np.testing.assert_allclose(np.asarray(at_reset)[:, 1], 0.025, atol=1e-3)  # Green at rest (2.5 cm).


def test_episodes_without_half_heights_are_refused_by_name(tmp_path):
    family = rgb_tasks.rgb_task_family()
    env = rgb_stacking_env.make(object_set="1", observation_set="state", seed=0, episode_length=100)
    writer = EpisodeWriter(tmp_path, family.names)
    first = env.reset()
    still = np.zeros(5, np.float32)
    unrecorded = collection.EpisodeMetadata(stage="test", success=(), seed=7)
    collection.run_segment(env, first, lambda o: still, 3, family, writer, "lift-red", unrecorded, "deadline")
    writer.close()
    with pytest.raises(ValueError, match=r"seed 7\) has no object_half_heights metadata"):
        episodes.load_episodes(tmp_path, family, KEYS)
