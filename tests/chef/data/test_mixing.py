"""Fixed per-batch proportions across datasets, and refusing incompatible datasets."""

import numpy as np
import pytest

from chef.data import layout, mixing, rlds_reader
from tests.chef.data import synthetic


@pytest.mark.parametrize(
    "proportions, batch_size, counts",
    [
        ([0.5, 0.5], 256, [128, 128]),
        ([1, 3], 8, [2, 6]),
        ([1, 1, 1], 10, [4, 3, 3]),
        ([0.0, 1.0], 4, [0, 4]),
    ],
)
def test_per_batch_counts(proportions, batch_size, counts):
    assert mixing.per_batch_counts(proportions, batch_size) == counts


@pytest.mark.parametrize(
    "proportions, batch_size, message",
    [
        ([-1, 2], 8, "non-negative"),
        ([0, 0], 8, "positive sum"),
        ([0.01, 0.99], 8, "too small"),
        ([1], 0, "batch_size"),
    ],
)
def test_bad_proportions_are_named(proportions, batch_size, message):
    with pytest.raises(ValueError, match=message):
        mixing.per_batch_counts(proportions, batch_size)


def test_every_batch_has_exact_proportions(tmp_path):
    collect, execute = tmp_path / "collect", tmp_path / "execute"
    synthetic.write_episodes(collect, [1, 2, 3], length=5)
    synthetic.write_episodes(execute, [7, 8], length=5)
    options = rlds_reader.TransitionOptions(n_step=2, discount=0.9)
    iterator = mixing.mixed_transition_iterator([collect, execute], [0.25, 0.75], 8, options, shuffle_buffer=20, seed=1)
    for _ in range(10):
        batch = next(iterator)
        episode_ids = batch.observation["state"][:, 0]  # [8]
        assert np.isin(episode_ids[:2], [1, 2, 3]).all() and np.isin(episode_ids[2:], [7, 8]).all()
        assert batch.reward.shape == (8, 2)


def test_incompatible_datasets_are_refused_before_training(tmp_path):
    small, large = tmp_path / "small_state", tmp_path / "large_state"
    synthetic.write_episodes(small, [0], state_size=3)
    synthetic.write_episodes(large, [1], state_size=5)
    with pytest.raises(
        layout.DatasetError,
        match=r"'observation/state' is float32\[3\] in .*small_state "
        r"but float32\[5\] in .*large_state",
    ):
        mixing.mixed_transition_iterator([small, large], [0.5, 0.5], 4, rlds_reader.TransitionOptions())
    with pytest.raises(ValueError, match="2 datasets but 1 proportions"):
        mixing.mix([None, None], [1.0], 4)
