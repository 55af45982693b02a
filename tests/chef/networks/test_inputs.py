import numpy as np
import pytest

from chef.networks import inputs


def test_privileged_empty_and_duplicate_keys_are_refused():
    with pytest.raises(ValueError, match="privileged"):
        inputs.check_observation_keys(["sawyer/tcp/pose", "privileged/reward_state"])
    with pytest.raises(ValueError, match="at least one"):
        inputs.check_observation_keys([])
    with pytest.raises(ValueError, match="duplicate"):
        inputs.check_observation_keys(["a", "a"])


def test_split_keys_sorts_vectors_and_pixels():
    vectors, pixels = inputs.split_keys(["wrist/force", "cam_b/pixels", "sawyer/tcp/pose", "cam_a/pixels"])
    assert vectors == ("sawyer/tcp/pose", "wrist/force")
    assert pixels == ("cam_a/pixels", "cam_b/pixels")


def test_flatten_vectors_concatenates_per_example():
    observation = {"a": np.arange(12, dtype=np.float32).reshape(2, 3, 2), "b": np.array([[7.0], [8.0]])}
    flat = inputs.flatten_vectors(observation, ("a", "b"))
    np.testing.assert_array_equal(flat, [[0, 1, 2, 3, 4, 5, 7], [6, 7, 8, 9, 10, 11, 8]])
    with pytest.raises(KeyError, match="no key 'c'"):
        inputs.flatten_vectors(observation, ("c",))


def test_stack_pixels_scales_and_concatenates_channels():
    first = np.full((1, 4, 4, 3), 255, np.uint8)
    second = np.zeros((1, 4, 4, 3), np.uint8)
    stacked = inputs.stack_pixels({"x/pixels": first, "y/pixels": second}, ("x/pixels", "y/pixels"))
    assert stacked.shape == (1, 4, 4, 6)
    np.testing.assert_allclose(stacked[0, 0, 0], [1, 1, 1, 0, 0, 0])
    with pytest.raises(ValueError, match="one image size"):
        inputs.stack_pixels({"x/pixels": first, "y/pixels": np.zeros((1, 8, 8, 3), np.uint8)},
                            ("x/pixels", "y/pixels"))
