"""Episodes written by EpisodeWriter, read back with plain tfds / rlds."""

import json
import pathlib

import dm_env
import numpy as np
import pytest
import rlds
import tensorflow_datasets as tfds

from chef.data import layout, rlds_reader, rlds_writer
from tests.chef.data import synthetic, vector_point_mass


def _episodes(directory) -> list[dict]:
    builder = tfds.builder_from_directory(str(directory))
    return list(tfds.as_numpy(builder.as_dataset(split="train")))


def test_real_episodes_round_trip_with_metadata(tmp_path):
    writer = rlds_writer.EpisodeWriter(tmp_path, vector_point_mass.TASK_NAMES)
    recorded = []
    for seed, terminate_at in ((0, None), (1, 3)):
        env = vector_point_mass.VectorPointMass(seed=seed, num_steps=5, terminate_at=terminate_at)
        recorded.append(vector_point_mass.run_episode(env, [writer], seed=seed))
        metadata = rlds_writer.EpisodeMetadata(
            stage="collect",
            success=(True, seed == 1),
            policy_version=7 + seed,
            checkpoint=f"ckpt/{seed}",
            task_sequence=("right", "up", "right"),
            triplet="triplet_1",
            seed=seed,
        )
        assert writer.end_episode(metadata) == seed
    writer.close()

    builder = tfds.builder_from_directory(str(tmp_path))
    assert builder.info.splits["train"].num_examples == 2
    episodes = list(builder.as_dataset(split="train"))
    for seed, (episode, timesteps) in enumerate(zip(episodes, recorded)):
        assert episode["stage"].numpy() == b"collect"
        assert episode["policy_version"].numpy() == 7 + seed
        assert episode["checkpoint"].numpy().decode() == f"ckpt/{seed}"
        assert [t.decode() for t in episode["task_sequence"].numpy()] == ["right", "up", "right"]
        assert episode["triplet"].numpy() == b"triplet_1" and episode["seed"].numpy() == seed
        np.testing.assert_array_equal(episode["success"].numpy(), [True, seed == 1])
        # rlds transformations work on the stored steps.
        assert int(rlds.transformations.episode_length(episode["steps"])) == len(timesteps)
        total = rlds.transformations.sum_dataset(episode["steps"], lambda step: step["reward"]).numpy()
        np.testing.assert_allclose(total, np.sum([t.reward for t in timesteps[1:]], axis=0), rtol=1e-6)
        steps = list(tfds.as_numpy(episode["steps"]))
        for step, timestep in zip(steps, timesteps):
            for key, value in timestep.observation.items():
                np.testing.assert_array_equal(step["observation"][key], value)
        np.testing.assert_array_equal([s["is_first"] for s in steps], [True] + [False] * (len(steps) - 1))
        np.testing.assert_array_equal([s["is_last"] for s in steps], [False] * (len(steps) - 1) + [True])
        assert steps[-1]["is_terminal"] == (seed == 1)
        np.testing.assert_allclose([s["discount"] for s in steps[:-1]], [t.discount for t in timesteps[1:]])
    assert '"encodingFormat": "png"' in (tmp_path / "features.json").read_text()
    assert json.loads((tmp_path / "chef_metadata.json").read_text())["task_names"] == ["right", "up"]


def test_images_are_stored_compressed(tmp_path):
    synthetic.write_episodes(tmp_path, [0], length=50, image_size=32)
    raw_image_bytes = 51 * 32 * 32 * 3
    assert layout.shard_path(tmp_path, 0).stat().st_size < raw_image_bytes / 10  # PNG of flat images.
    assert layout.shard_path(tmp_path, 0).stat().st_size == layout.load_layout(tmp_path).shard_ends[0]
    [episode] = _episodes(tmp_path)
    pixels = np.stack([s["observation"]["camera/pixels"] for s in episode["steps"]])  # [51, 32, 32, 3]
    np.testing.assert_array_equal(pixels[:, 5, 7, 1], np.arange(51))


def test_restart_appends_and_checks_tasks(tmp_path):
    synthetic.write_episodes(tmp_path, [0, 1])
    synthetic.write_episodes(tmp_path, [2])
    episodes = _episodes(tmp_path)
    assert [int(e["seed"]) for e in episodes] == [0, 1, 2]
    with pytest.raises(layout.DatasetError, match="holds tasks"):
        rlds_writer.EpisodeWriter(tmp_path, ("other", "tasks"))


def test_one_writer_per_directory(tmp_path):
    first = rlds_writer.EpisodeWriter(tmp_path, synthetic.TASKS)
    with pytest.raises(layout.DatasetError, match="another EpisodeWriter"):
        rlds_writer.EpisodeWriter(tmp_path, synthetic.TASKS)
    first.close()


def _seeds(episodes) -> list[int]:
    return [int(e["seed"]) for e in episodes]


def _chef_episodes(directory) -> list[dict]:
    return list(tfds.as_numpy(rlds_reader.episode_dataset(directory, steps_as_tensors=True)))


def test_several_episodes_per_shard_read_back_in_order(tmp_path):
    synthetic.write_episodes(tmp_path, range(10), length=3, max_shard_bytes=2000)  # ~950 bytes per episode
    dataset = layout.load_layout(tmp_path)
    assert len(dataset.shard_lengths) >= 3 and max(dataset.shard_lengths) >= 2
    assert dataset.num_episodes == 10
    assert [p.stat().st_size for p in dataset.shard_paths] == list(dataset.shard_ends)
    index = layout.episode_index(tmp_path)
    assert len((tmp_path / layout.INDEX).read_text().splitlines()) == len(index) == 10
    assert [e["episode"] for e in index] == list(range(10)) and {e["length"] for e in index} == {4}
    assert [e["seed"] for e in index] == list(range(10))
    ours = _chef_episodes(tmp_path)
    assert _seeds(ours) == list(range(10))
    for seed, episode in enumerate(ours):
        np.testing.assert_array_equal(episode["steps"]["observation"]["state"][:, :2], [[seed, t] for t in range(4)])
        np.testing.assert_array_equal(episode["steps"]["reward"][:3], [[t, seed] for t in range(1, 4)])
    # Plain tfds (dataset_info.json, written on close) reads the same episodes.
    builder = tfds.builder_from_directory(str(tmp_path))
    assert builder.info.splits["train"].shard_lengths == list(dataset.shard_lengths)
    plain = _episodes(tmp_path)
    assert _seeds(plain) == list(range(10))
    for mine, theirs in zip(ours, plain):
        np.testing.assert_array_equal(
            mine["steps"]["observation"]["camera/pixels"],
            np.stack([s["observation"]["camera/pixels"] for s in theirs["steps"]]),
        )
    shuffled = _seeds(tfds.as_numpy(rlds_reader.episode_dataset(tmp_path, shuffle_files=True, seed=0)))
    assert sorted(shuffled) == list(range(10)) and shuffled != list(range(10))


def _torn_writer(directory, seeds, length=3, max_shard_bytes=2000):
    """What a writer killed mid-commit leaves: a record after the last committed one and a torn index line."""
    synthetic.write_episodes(directory, seeds, length=length, max_shard_bytes=max_shard_bytes)
    (directory / layout.DATASET_INFO).unlink()  # It never closed.
    dataset = layout.load_layout(directory)
    first_record = dataset.shard_paths[0].read_bytes()[: layout.episode_index(directory)[0]["end"]]
    with open(dataset.shard_paths[-1], "ab") as f:
        f.write(first_record[: len(first_record) // 2])  # Half a record.
    with open(directory / layout.INDEX, "ab") as f:
        f.write(b'{"episode": %d, "shard": %d, "end": 999999' % (len(seeds), len(dataset.shard_lengths) - 1))
    layout.shard_path(directory, len(dataset.shard_lengths)).write_bytes(b"half an episode")  # A started shard.
    return dataset


def test_a_killed_writer_leaves_exactly_its_committed_episodes(tmp_path):
    dataset = _torn_writer(tmp_path, range(5))
    assert layout.load_layout(tmp_path) == dataset  # The torn line and the uncommitted bytes are not read.
    assert _seeds(_chef_episodes(tmp_path)) == list(range(5))
    assert len(layout.find_corrupt_shards(dataset)) == 0

    synthetic.write_episodes(tmp_path, [5, 6], length=3, max_shard_bytes=2000)  # A restarted writer appends.
    assert _seeds(_chef_episodes(tmp_path)) == list(range(7))
    assert _seeds(_episodes(tmp_path)) == list(range(7))
    restarted = layout.load_layout(tmp_path)
    assert restarted.shard_lengths[: len(dataset.shard_lengths)] == dataset.shard_lengths  # A new shard after them.
    assert [p.stat().st_size for p in restarted.shard_paths] == list(restarted.shard_ends)  # Tails cut.
    assert len((tmp_path / layout.INDEX).read_bytes().splitlines()) == 7
    assert not list(tmp_path.glob(".*.tmp-*"))


def test_a_restarted_writer_refreshes_a_stale_dataset_info(tmp_path):
    _torn_writer(tmp_path, range(3))
    rlds_writer.finalize(tmp_path)  # Opens and closes a writer: no episode added.
    assert _seeds(_episodes(tmp_path)) == [0, 1, 2]
    assert layout.load_layout(tmp_path).num_episodes == 3
    rlds_writer.finalize(tmp_path / "empty")  # Nothing there: nothing to do.


def test_a_failed_commit_leaves_no_record_behind(tmp_path, monkeypatch):
    synthetic.write_episodes(tmp_path, [0, 1], length=3)
    writer = rlds_writer.EpisodeWriter(tmp_path, synthetic.TASKS)
    append = writer._append_index
    monkeypatch.setattr(writer, "_append_index", lambda line: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError, match="disk full"):
        synthetic.write_episode(writer, 2, length=3)
    monkeypatch.setattr(writer, "_append_index", append)
    synthetic.write_episode(writer, 3, length=3)
    writer.close()
    assert _seeds(_chef_episodes(tmp_path)) == [0, 1, 3]
    assert _seeds(_episodes(tmp_path)) == [0, 1, 3]


def test_readers_see_the_committed_episodes_of_an_open_writer(tmp_path):
    writer = rlds_writer.EpisodeWriter(tmp_path, synthetic.TASKS, max_shard_bytes=2000)
    for seed in range(3):
        synthetic.write_episode(writer, seed, length=3)
    assert not (tmp_path / layout.DATASET_INFO).exists()  # Only written on close.
    assert _seeds(_chef_episodes(tmp_path)) == [0, 1, 2]
    synthetic.write_episode(writer, 3, length=3)
    assert _seeds(_chef_episodes(tmp_path)) == [0, 1, 2, 3]
    writer.close()
    assert _seeds(_episodes(tmp_path)) == [0, 1, 2, 3]


def test_environment_metadata_is_stored_once(tmp_path):
    environment = {"object_set": "1", "camera_size": np.int64(64), "physics": {"timestep": 0.0025}}
    writer = rlds_writer.EpisodeWriter(tmp_path, synthetic.TASKS, environment=environment)
    synthetic.write_episode(writer, 0)
    writer.close()
    assert layout.load_layout(tmp_path).environment == {
        "object_set": "1",
        "camera_size": 64,
        "physics": {"timestep": 0.0025},
    }
    synthetic.write_episodes(tmp_path / "plain", [0])
    assert layout.load_layout(tmp_path / "plain").environment == {}
    with pytest.raises(ValueError, match="JSON"):
        rlds_writer.EpisodeWriter(tmp_path / "bad", synthetic.TASKS, environment={"env": object()})


def test_misuse_is_refused(tmp_path):
    writer = rlds_writer.EpisodeWriter(tmp_path, synthetic.TASKS)
    with pytest.raises(ValueError, match="add_first"):
        writer.add(np.zeros(2), dm_env.transition(np.zeros(2), synthetic.observation(0, 1)))
    writer.add_first(dm_env.restart(synthetic.observation(0, 0)))
    with pytest.raises(ValueError, match="shape"):
        writer.add(np.zeros(2), dm_env.transition(np.zeros(3), synthetic.observation(0, 1)))
    writer.add(np.zeros(2), dm_env.transition(np.zeros(2), synthetic.observation(0, 1)))
    with pytest.raises(ValueError, match="LAST"):
        writer.end_episode(rlds_writer.EpisodeMetadata(stage="collect", success=(True, False)))
    writer.add(np.zeros(2), dm_env.truncation(np.zeros(2), synthetic.observation(0, 2)))
    with pytest.raises(ValueError, match="one entry per task"):
        writer.end_episode(rlds_writer.EpisodeMetadata(stage="collect", success=(True,)))
    with pytest.raises(ValueError, match="image_format"):
        rlds_writer.EpisodeWriter(pathlib.Path(tmp_path) / "x", synthetic.TASKS, image_format="gif")
    writer.close()


def test_datasets_of_another_format_are_refused_by_readers_and_writers(tmp_path):
    synthetic.write_episodes(tmp_path, [0])
    metadata_path = tmp_path / layout.CHEF_METADATA
    metadata = json.loads(metadata_path.read_text())
    assert metadata["format_version"] == layout.FORMAT_VERSION == 3
    metadata_path.write_text(json.dumps({**metadata, "format_version": 2}))
    before = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    with pytest.raises(
        layout.DatasetError,
        match="written in dataset format 2, this code reads format 3 .*shard layout changed.*collect it again",
    ):
        layout.load_layout(tmp_path)
    with pytest.raises(layout.DatasetError, match="written in dataset format 2"):
        rlds_reader.episode_dataset(tmp_path)
    with pytest.raises(layout.DatasetError, match="written in dataset format 2"):
        rlds_writer.EpisodeWriter(tmp_path, synthetic.TASKS)
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir()} == before  # nothing changed


def test_a_format_2_directory_is_refused(tmp_path):
    """A dataset as format 2 wrote it (one episode per shard, no index) is refused, not misread."""
    synthetic.write_episodes(tmp_path, [0, 1])
    (tmp_path / layout.INDEX).unlink()
    metadata = json.loads((tmp_path / layout.CHEF_METADATA).read_text())
    (tmp_path / layout.CHEF_METADATA).write_text(json.dumps({**metadata, "format_version": 2}))
    with pytest.raises(layout.DatasetError, match="format 2.*collect it again"):
        layout.load_layout(tmp_path)
    with pytest.raises(layout.DatasetError, match="format 2"):
        rlds_writer.finalize(tmp_path)
