"""Episodes written by EpisodeWriter, read back with plain tfds / rlds."""
import json
import pathlib

import dm_env
import numpy as np
import pytest
import rlds
import tensorflow_datasets as tfds

from chef.data import layout, rlds_writer
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
            stage="collect", success=(True, seed == 1), policy_version=7 + seed, checkpoint=f"ckpt/{seed}",
            task_sequence=("right", "up", "right"), triplet="triplet_1", seed=seed)
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


def test_unlisted_shard_is_invisible_and_overwritten(tmp_path):
    """A writer killed between renaming a shard and listing it leaves an orphan file."""
    synthetic.write_episodes(tmp_path, [0])
    layout.shard_path(tmp_path, 1).write_bytes(b"half an episode")
    assert len(_episodes(tmp_path)) == 1
    synthetic.write_episodes(tmp_path, [1])
    assert [int(e["seed"]) for e in _episodes(tmp_path)] == [0, 1]


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
    assert metadata["format_version"] == layout.FORMAT_VERSION
    metadata_path.write_text(json.dumps({**metadata, "format_version": 1}))
    before = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    with pytest.raises(layout.DatasetError, match="written in dataset format 1, this code reads format 2"):
        layout.load_layout(tmp_path)
    with pytest.raises(layout.DatasetError, match="written in dataset format 1"):
        rlds_writer.EpisodeWriter(tmp_path, synthetic.TASKS)
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir()} == before  # nothing changed
