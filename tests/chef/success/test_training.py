"""End to end: the detector learns 'coloured square present' per task on numpy-rendered images."""

import numpy as np
import pytest
import tensorflow as tf

from chef.data import relabel as data_relabel
from chef.success import augment, metrics, training
from chef.success import relabel as relabel_lib

TASKS = ("red_present", "green_present", "blue_present")
COLOURS = np.array([[220, 30, 30], [30, 200, 30], [40, 40, 230]], np.uint8)
CAMERAS, SIZE, SQUARE = 3, 16, 4


def _render(rng, num):
    """Grey noisy scenes; task t succeeds when square t is visible in one of the cameras."""
    images = rng.integers(80, 160, size=(num, CAMERAS, SIZE, SIZE, 1), dtype=np.uint8).repeat(3, axis=-1)
    labels = rng.random((num, len(TASKS))) < 0.5
    for n, t in zip(*np.nonzero(labels)):
        camera, y, x = rng.integers(0, CAMERAS), *rng.integers(2, SIZE - SQUARE - 2, size=2)
        images[n, camera, y : y + SQUARE, x : x + SQUARE] = COLOURS[t]
    return training.DetectorDataset(
        images, labels, primary_task=rng.integers(0, len(TASKS), size=num), group=np.arange(num) % 4
    )


@pytest.fixture(scope="module")
def trained():
    dataset = _render(np.random.default_rng(0), 800)
    train, held_out = training.split_by_group(dataset, holdout_groups=[3])
    config = training.DetectorTrainingConfig(
        num_steps=600,
        batch_size=48,
        learning_rate=2e-3,
        conv_channels=(16, 32),
        embedding_size=32,
        hidden_sizes=(32,),
        augment=augment.AugmentConfig(crop_pad=2, max_rotation=0.1),
    )
    return training.train_success_detector(train, TASKS, config, seed=0), held_out


def test_detector_learns_synthetic_tasks_and_generalises_to_held_out_group(trained):
    detector, held_out = trained
    assert detector.losses[-20:].mean() < 0.5 * detector.losses[:20].mean()
    probabilities = training.predict_probabilities(detector, held_out.images)
    assert probabilities.shape == (200, 3)
    assert metrics.accuracy(probabilities, held_out.labels) > 0.9
    table = metrics.detector_error_rates(probabilities, held_out.labels, held_out.primary_task, TASKS)
    assert (table[["false_negative_rate", "false_positive_rate"]].to_numpy() < 0.2).all(), table


def test_detector_relabels_an_episode(trained):
    detector, _ = trained
    episode = _render(np.random.default_rng(5), 9)  # Nine observations of one episode.
    cameras = [f"cam{c}/pixels" for c in range(CAMERAS)]
    observations = {key: tf.constant(episode.images[:, c]) for c, key in enumerate(cameras)}
    relabel = relabel_lib.detector_relabel(detector, cameras, TASKS)
    rewards = data_relabel.relabel_episode_rewards(observations, relabel).numpy()  # [9, T]
    assert rewards.shape == (9, 3) and not rewards[-1].any()
    assert np.mean(rewards[:-1] == episode.labels[1:]) > 0.9  # Reward of step i: observation i + 1.
    with pytest.raises(ValueError, match="knows 3 tasks"):
        relabel_lib.detector_relabel(detector, cameras, TASKS[:2])


def test_outcome_pools_and_split():
    labels = np.array([[1, 0], [0, 0], [1, 1]], bool)
    assert training.outcome_pools(labels, ("a", "b")) == {
        "a": {"success": [0, 2], "failure": [1]},
        "b": {"success": [2], "failure": [0, 1]},
    }
    dataset = training.DetectorDataset(np.zeros((3, 1, 2, 2, 3), np.uint8), labels, np.zeros(3), np.array([0, 1, 0]))
    train, held_out = training.split_by_group(dataset, [1])
    assert len(train.images) == 2 and held_out.group.tolist() == [1]
    with pytest.raises(ValueError, match="both splits non-empty"):
        training.split_by_group(dataset, [5])
