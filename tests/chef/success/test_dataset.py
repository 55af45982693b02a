import numpy as np
import tensorflow_datasets as tfds

import rgb_stacking_env
from chef.data import rlds_reader
from chef.data.rlds_writer import EpisodeWriter
from chef.mtopt import collection, rgb_tasks
from chef.success import dataset

CAMERAS = ("basket_front_left/pixels", "basket_back_left/pixels")


def test_final_frames_labels_and_groups_from_rlds(tmp_path):
    family = rgb_tasks.rgb_task_family()
    directories = []
    for seed in (4, 5):
        env = rgb_stacking_env.make(
            object_set="1", observation_set="vision", camera_size=16, seed=seed, episode_length=20
        )
        writer = EpisodeWriter(tmp_path / str(seed), family.names)
        collection.collect(env, writer, family, collection.CollectionConfig(1, pick_steps=5, place_steps=4), seed)
        writer.close()
        directories.append(tmp_path / str(seed))
    examples = dataset.final_frame_dataset(directories, family, CAMERAS)
    assert examples.images.shape == (4, 2, 16, 16, 3) and examples.images.dtype == np.uint8
    np.testing.assert_array_equal(examples.group, [4, 4, 5, 5])
    stored = list(tfds.as_numpy(rlds_reader.episode_dataset(directories[1], steps_as_tensors=True)))
    np.testing.assert_array_equal(examples.images[3, 1], stored[1]["steps"]["observation"][CAMERAS[1]][-1])
    np.testing.assert_array_equal(examples.labels[2:], np.stack([e["success"] for e in stored]))
    acquisition = set(family.task_ids(family.tasks_in_skill("acquisition")).tolist())
    assert [int(t) in acquisition for t in examples.primary_task] == [True, False, True, False]
