"""Offline transitions read once into memory: the same transitions as the tf.data path, exact
per-batch proportions, filters applied at load, corrupt shards named."""

import numpy as np
import pytest

from chef.data import filters, in_memory, layout, rlds_reader
from tests.chef.data import synthetic


def _rows(transitions) -> list[tuple]:
    """Each transition as a sortable tuple of all its values."""
    leaves = [
        transitions.observation["state"],
        transitions.action,
        transitions.reward,
        transitions.discount[:, None],
        transitions.next_observation["state"],
    ]
    return sorted(map(tuple, np.concatenate([np.reshape(x, (len(x), -1)) for x in leaves], axis=1).tolist()))


def test_memory_holds_exactly_the_transitions_tf_data_yields(tmp_path):
    directories = [tmp_path / "actor_0", tmp_path / "actor_1"]
    synthetic.write_episodes(directories[0], [0, 1], length=5)
    synthetic.write_episodes(directories[1], [2], length=3)
    options = rlds_reader.TransitionOptions(n_step=2, discount=0.9, observation_keys=("state",))
    buffer = in_memory.load(directories, options)
    streamed = next(rlds_reader.make_transition_iterator(directories, 13, options, repeat=False, shuffle_buffer=1))
    assert buffer.size == buffer.capacity == 5 + 5 + 3  # `length` transitions per episode.
    assert _rows(buffer.gather(np.arange(buffer.size))) == _rows(streamed) != []
    again = in_memory.load(directories, options)  # In the stored order: a seeded run samples the same.
    np.testing.assert_array_equal(
        again.gather(np.arange(again.size)).action, buffer.gather(np.arange(buffer.size)).action
    )


def test_a_filter_applies_at_load_and_an_empty_result_is_named(tmp_path):
    synthetic.write_episodes(tmp_path, [0, 1, 2], length=3, success=[True, False, True])
    keep = rlds_reader.TransitionOptions(n_step=1, episode_filter=filters.by_success("a", synthetic.TASKS))
    buffer = in_memory.load(tmp_path, keep)
    assert sorted(set(buffer.gather(np.arange(buffer.size)).observation["state"][:, 0])) == [0, 2]
    assert buffer.size == 6 and buffer.capacity == 9
    none = rlds_reader.TransitionOptions(episode_filter=lambda episode: episode["success"][0] & False)
    with pytest.raises(ValueError, match="no transitions passed the episode filter"):
        in_memory.load(tmp_path, none)


def test_every_batch_has_exact_proportions_drawn_uniformly(tmp_path):
    synthetic.write_episodes(tmp_path / "collect", [1, 2, 3], length=5)
    synthetic.write_episodes(tmp_path / "execute", [7, 8], length=5)
    options = rlds_reader.TransitionOptions(n_step=2)
    buffers = [in_memory.load(tmp_path / name, options) for name in ("collect", "execute")]
    batches = in_memory.MixedBatches(buffers, [0.25, 0.75], 8, seed=0)
    steps = []
    for _ in range(400):
        episode_ids = next(batches).observation["state"][:, 0]  # [8]
        assert np.isin(episode_ids[:2], [1, 2, 3]).all() and np.isin(episode_ids[2:], [7, 8]).all()
        steps.append(episode_ids[2:])
    counts = np.unique(np.concatenate(steps), return_counts=True)[1]  # 2,400 draws, half per episode.
    assert np.all(np.abs(counts - 1200) < 4 * np.sqrt(600))
    with pytest.raises(ValueError, match="2 sources but 1 proportions"):
        in_memory.MixedBatches(buffers, [1.0], 8)


def test_corrupt_shard_and_incompatible_sources_are_named(tmp_path):
    synthetic.write_episodes(tmp_path / "d", [0, 1, 2], max_shard_bytes=1)  # One episode per shard.
    shard = layout.shard_path(tmp_path / "d", 1)
    data = bytearray(shard.read_bytes())
    data[len(data) // 2] ^= 0xFF
    shard.write_bytes(bytes(data))
    with pytest.raises(layout.DatasetError, match=str(shard)):
        in_memory.load(tmp_path / "d", rlds_reader.TransitionOptions())
    synthetic.write_episodes(tmp_path / "small", [0], state_size=3)
    synthetic.write_episodes(tmp_path / "large", [1], state_size=5)
    with pytest.raises(layout.DatasetError, match=r"'observation/state' is float32\[3\]"):
        in_memory.check_compatible([tmp_path / "small", tmp_path / "large"], [rlds_reader.TransitionOptions()] * 2)
