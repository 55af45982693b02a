import numpy as np
import pytest
import tensorflow_datasets as tfds

import rgb_stacking_env
from chef.data import rlds_reader
from chef.mtopt import collection, episodes, rgb_tasks
from chef.success import final_frames

FAMILY = rgb_tasks.rgb_task_family()
CONFIG = collection.CollectionConfig(1, pick_steps=5, place_steps=4)


def _collect(directory, frames_path, seed, observation_set="state"):
    env = rgb_stacking_env.make(
        object_set="1", observation_set=observation_set, camera_size=16, seed=seed, episode_length=20
    )
    recorder = final_frames.FinalFrameRecorder(FAMILY, 16)
    try:
        collection.collect_dataset(directory, env, FAMILY, CONFIG, seed, segment_end=recorder)
        recorder.save(frames_path)
    finally:
        recorder.close()
        env.close()
    return len(recorder)


def test_recorded_frames_are_each_segments_final_camera_images(tmp_path):
    # Collection without cameras renders the frames a vision environment observes: the recorded
    # frame of each segment equals the last images of the same segment's vision RLDS episode.
    assert _collect(tmp_path / "state", tmp_path / "frames.npz", seed=3) == 2
    _collect(tmp_path / "vision", tmp_path / "vision_frames.npz", seed=3, observation_set="vision")
    frames = final_frames.load([tmp_path / "frames.npz"], FAMILY)
    assert frames.images.shape == (2, 3, 16, 16, 3) and frames.images.dtype == np.uint8
    stored = list(tfds.as_numpy(rlds_reader.episode_dataset(tmp_path / "vision", steps_as_tensors=True)))
    for i, episode in enumerate(stored):
        last = np.stack([episode["steps"]["observation"][k][-1] for k in final_frames.FRAME_KEYS])
        np.testing.assert_array_equal(frames.images[i], last)
        np.testing.assert_array_equal(frames.labels[i], episode["success"])
        assert frames.task[i] == FAMILY.task_id(episode["task_sequence"][0].decode())
        assert frames.chain_seed[i] == episode["seed"]
    examples = frames.detector_dataset()
    np.testing.assert_array_equal(examples.group, [3, 3])  # The collection seed, for held-out splits.


def test_table_labels_find_each_episodes_frame_by_chain_seed_and_task(tmp_path):
    for seed in (1, 2):
        _collect(tmp_path / f"data_{seed}", tmp_path / f"frames_{seed}.npz", seed)
    table = episodes.load_episodes([tmp_path / "data_1", tmp_path / "data_2"], FAMILY, ("sawyer/pinch/pose",))
    frames = final_frames.load([tmp_path / "frames_2.npz", tmp_path / "frames_1.npz"], FAMILY)  # Other order.
    marked = frames.images.copy()
    marked[:, 0, 0, 0, 0] = np.arange(len(marked))  # Short segments may end on identical images.
    frames = frames._replace(images=marked)
    row_of_image = {image.tobytes(): row for row, image in enumerate(frames.images)}
    bits = 2 ** np.arange(len(FAMILY))

    def predictor(images):  # Each image's row in `frames`, in binary over the tasks' columns.
        rows = np.asarray([row_of_image[image.tobytes()] for image in images])
        return ((rows[:, None] & bits) > 0).astype(np.float32)

    labels = final_frames.table_labels(table, frames, FAMILY, predictor, threshold=0.5)
    rows = labels.astype(int) @ bits  # [N] the frame each episode was given
    np.testing.assert_array_equal(frames.chain_seed[rows], table.chain_seeds)
    np.testing.assert_array_equal(frames.task[rows], FAMILY.task_ids(table.collected_for))
    assert sorted(rows) == list(range(4))
    only_seed_1 = final_frames.load([tmp_path / "frames_1.npz"], FAMILY)
    with pytest.raises(ValueError, match="2 of 4 episodes have no final frame"):
        final_frames.table_labels(table, only_seed_1, FAMILY, predictor, threshold=0.5)
    # Frames of other episodes under the same keys: their predicate labels give them away.
    other = frames._replace(labels=~frames.labels)
    with pytest.raises(ValueError, match="recorded with other episodes"):
        final_frames.table_labels(table, other, FAMILY, predictor, threshold=0.5)


def test_loading_refuses_damaged_or_foreign_frames(tmp_path):
    (tmp_path / "broken.npz").write_bytes(b"not a zip file")
    with pytest.raises(ValueError, match="cannot read final frames .*broken.npz"):
        final_frames.load([tmp_path / "broken.npz"], FAMILY)
    np.savez(
        tmp_path / "three_tasks.npz",
        images=np.zeros((1, 3, 8, 8, 3), np.uint8),
        labels=np.zeros((1, 3), bool),
        task=np.zeros(1, int),
        chain_seed=np.zeros(1, int),
    )
    with pytest.raises(ValueError, match="labels for \\(3,\\) tasks, the family has 8"):
        final_frames.load([tmp_path / "three_tasks.npz"], FAMILY)
    with pytest.raises(ValueError, match="nothing to save"):
        final_frames.FinalFrameRecorder(FAMILY, 16).save(tmp_path / "empty.npz")
    assert not (tmp_path / "empty.npz").exists()
