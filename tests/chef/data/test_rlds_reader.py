"""RLDS episodes -> n-step transitions: same targets as the Reverb adder, relabelling, filtering, errors."""

import numpy as np
import pytest

from chef.data import filters, layout, relabel, rlds_reader, rlds_writer
from chef.replay import adders, dataset, server, tables
from tests.chef.data import synthetic, vector_point_mass


def _all_transitions(directory, options, batch_size=1):
    iterator = rlds_reader.make_transition_iterator(
        directory, batch_size, options, shuffle_buffer=1, repeat=False, seed=0
    )
    return list(iterator)


def _rows(batch, keys=("position",)):
    """Sortable rows: observation, action, reward, discount, next observation."""
    parts = [batch.observation[k] for k in keys] + [batch.action, batch.reward, batch.discount[:, None]]
    parts += [batch.next_observation[k] for k in keys]
    return sorted(map(tuple, np.round(np.concatenate(parts, axis=1), 5).tolist()))


def test_reader_gives_the_adders_transitions(tmp_path):
    """The same episodes through the Reverb adder and through RLDS give identical n-step transitions."""
    config = tables.ReplayConfig(max_size=100, min_size=1, samples_per_insert=None, queue_size=100)
    signature = tables.transition_signature(
        vector_point_mass.VectorPointMass(seed=0).observation_spec(), np.zeros(2, np.float32), num_tasks=2
    )
    replay = server.start_server(config, signature=signature)
    try:
        adder = adders.NStepTransitionAdder(replay.client(), "queue", n_step=3, discount=0.9)
        writer = rlds_writer.EpisodeWriter(tmp_path, vector_point_mass.TASK_NAMES)
        for seed, terminate_at in ((0, None), (1, 4)):
            env = vector_point_mass.VectorPointMass(seed=seed, num_steps=8, terminate_at=terminate_at)
            vector_point_mass.run_episode(env, [adder, writer], seed=seed)
            writer.end_episode(rlds_writer.EpisodeMetadata(stage="collect", success=(False, False)))
        writer.close()
        from_replay = next(
            dataset.make_replay_iterator(replay.address, "queue", batch_size=12, num_workers_per_iterator=1)
        )
    finally:
        replay.stop()
    options = rlds_reader.TransitionOptions(n_step=3, discount=0.9)
    [from_rlds] = _all_transitions(tmp_path, options, batch_size=12)
    assert _rows(from_rlds) == _rows(from_replay)
    assert np.sum(from_rlds.discount == 0) == 3  # Windows from steps 1-3 of the 4-step episode hit its end.
    assert "privileged/reward_state" not in from_rlds.observation  # Agents never see privileged keys.
    assert from_rlds.observation["camera/pixels"].shape == (12, 8, 8, 3)


def test_relabelled_rewards_come_from_stored_observations(tmp_path):
    writer = rlds_writer.EpisodeWriter(tmp_path, vector_point_mass.TASK_NAMES)
    vector_point_mass.run_episode(vector_point_mass.VectorPointMass(seed=3, num_steps=10), [writer], seed=3)
    writer.end_episode(rlds_writer.EpisodeMetadata(stage="collect", success=(False, False)))
    writer.close()
    keys = ("position", "privileged/reward_state")
    stored = _all_transitions(
        tmp_path, rlds_reader.TransitionOptions(n_step=1, discount=0.5, observation_keys=keys), batch_size=10
    )[0]
    same = rlds_reader.TransitionOptions(
        n_step=1,
        discount=0.5,
        observation_keys=keys,
        relabel=relabel.Relabel(vector_point_mass.reward_fn, vector_point_mass.TASK_NAMES),
    )
    np.testing.assert_array_equal(_all_transitions(tmp_path, same, batch_size=10)[0].reward, stored.reward)

    later = rlds_reader.TransitionOptions(
        n_step=1,
        discount=0.5,
        observation_keys=keys,
        relabel=relabel.Relabel(vector_point_mass.left_reward_fn, ("left",)),
    )
    [batch] = _all_transitions(tmp_path, later, batch_size=10)
    assert batch.reward.shape == (10, 1)
    expected = (batch.next_observation["position"][:, :1] < 0).astype(np.float32)
    np.testing.assert_array_equal(batch.reward, expected)
    np.testing.assert_array_equal(batch.reward[:, 0], 1 - stored.reward[:, 0])  # 'left' is not 'right'.


def test_relabel_refuses_a_wrong_shape_or_missing_input(tmp_path):
    synthetic.write_episodes(tmp_path, [0])
    wrong = rlds_reader.TransitionOptions(
        n_step=1, relabel=relabel.Relabel(lambda obs: np.zeros((1, 3)), ("x", "y", "z"), input_keys=("state",))
    )
    with pytest.raises(Exception, match="reward_fn returned shape"):
        _all_transitions(tmp_path, wrong)
    missing = rlds_reader.TransitionOptions(n_step=1, relabel=relabel.Relabel(lambda obs: obs, ("x",)))
    with pytest.raises(ValueError, match="privileged/reward_state"):
        _all_transitions(tmp_path, missing)


def test_success_filter_keeps_only_successful_episodes(tmp_path):
    synthetic.write_episodes(tmp_path, [0, 1, 2, 3], length=3, success=[True, False, True, False])
    options = rlds_reader.TransitionOptions(
        n_step=2, discount=1.0, episode_filter=filters.by_success("a", synthetic.TASKS)
    )
    transitions = _all_transitions(tmp_path, options, batch_size=1)
    assert sorted({int(t.observation["state"][0, 0]) for t in transitions}) == [0, 2]
    assert len(transitions) == 2 * 3
    failed = rlds_reader.TransitionOptions(episode_filter=filters.by_success("a", synthetic.TASKS, success=False))
    assert sorted({int(t.observation["state"][0, 0]) for t in _all_transitions(tmp_path, failed)}) == [1, 3]
    assert (
        len(_all_transitions(tmp_path, rlds_reader.TransitionOptions(episode_filter=filters.by_stage("execute")))) == 0
    )
    with pytest.raises(ValueError, match="unknown task 'stack'"):
        filters.by_success("stack", synthetic.TASKS)


def test_hand_computed_nstep_rewards(tmp_path):
    synthetic.write_episodes(tmp_path, [5], length=3)  # Rewards [1, 5], [2, 5], [3, 5]; truncated.
    options = rlds_reader.TransitionOptions(n_step=2, discount=0.5, observation_keys=("state",))
    [batch] = _all_transitions(tmp_path, options, batch_size=3)
    order = np.argsort(batch.observation["state"][:, 1])
    np.testing.assert_allclose(batch.reward[order], [[2, 7.5], [3.5, 7.5], [3, 5]])
    np.testing.assert_allclose(batch.discount[order], [0.25, 0.25, 0.5])
    np.testing.assert_allclose(batch.next_observation["state"][order, 1], [2, 3, 3])
    np.testing.assert_allclose(batch.action[order, 1], [1, 2, 3])


def test_missing_and_corrupt_shards_are_named(tmp_path):
    synthetic.write_episodes(tmp_path, [0, 1, 2], max_shard_bytes=1)  # One episode per shard.
    shard = layout.shard_path(tmp_path, 1)
    data = bytearray(shard.read_bytes())
    data[len(data) // 2] ^= 0xFF
    shard.write_bytes(bytes(data))
    with pytest.raises(layout.DatasetError, match=str(shard)):
        _all_transitions(tmp_path, rlds_reader.TransitionOptions())
    shard.unlink()
    with pytest.raises(layout.DatasetError, match=f"{shard} is missing"):
        rlds_reader.transition_dataset(tmp_path, rlds_reader.TransitionOptions())
    with pytest.raises(layout.DatasetError, match="chef_metadata.json is missing"):
        rlds_reader.transition_dataset(tmp_path / "nothing", rlds_reader.TransitionOptions())


def test_several_actor_directories_read_as_one(tmp_path):
    synthetic.write_episodes(tmp_path / "actor_0", [0, 1], length=3)
    synthetic.write_episodes(tmp_path / "actor_1", [2], length=3)
    directories = [tmp_path / "actor_0", tmp_path / "actor_1"]
    transitions = _all_transitions(directories, rlds_reader.TransitionOptions(n_step=1), batch_size=1)
    assert sorted(int(t.observation["state"][0, 0]) for t in transitions) == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    endless = rlds_reader.make_transition_iterator(directories, 300, rlds_reader.TransitionOptions(), seed=0)
    episode_ids = next(endless).observation["state"][:, 0]  # Sampled in proportion to episode counts.
    assert 60 < np.sum(episode_ids == 2) < 140
    synthetic.write_episodes(tmp_path / "other", [3], state_size=4)
    with pytest.raises(layout.DatasetError, match="'observation/state' is float32"):
        rlds_reader.transition_dataset([tmp_path / "actor_0", tmp_path / "other"], rlds_reader.TransitionOptions())


def test_episode_returns_sum_each_episodes_rewards_per_task(tmp_path):
    writer = rlds_writer.EpisodeWriter(tmp_path, vector_point_mass.TASK_NAMES)
    expected = []
    for seed, terminate_at in ((0, None), (1, 4), (2, None)):
        env = vector_point_mass.VectorPointMass(seed=seed, num_steps=8, terminate_at=terminate_at)
        timesteps = vector_point_mass.run_episode(env, [writer], seed=seed)
        writer.end_episode(rlds_writer.EpisodeMetadata(stage="collect", success=(False, False)))
        expected.append(np.sum([t.reward for t in timesteps[1:]], axis=0))  # [tasks]
    writer.close()
    returns = rlds_reader.episode_returns(tmp_path)
    assert returns.shape == (3, len(vector_point_mass.TASK_NAMES))
    np.testing.assert_allclose(returns, expected, rtol=1e-6)
    assert np.abs(returns).sum() > 0  # The toy rewards are not all zero.
