import jax
import jax.numpy as jnp
import numpy as np
import pytest

from chef.networks import inputs, torsos


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
        inputs.stack_pixels({"x/pixels": first, "y/pixels": np.zeros((1, 8, 8, 3), np.uint8)}, ("x/pixels", "y/pixels"))


def test_vector_statistics_follow_the_torso_order_and_standardise_its_inputs():
    rng = np.random.default_rng(0)
    observation = {
        "b/pose": rng.normal(3.0, 0.03, (500, 2)).astype(np.float32),  # Centimetre-scale changes,
        "a/angle": rng.uniform(0, 255, (500, 1)).astype(np.float32),  # next to a 0-255 reading,
        "c/const": np.ones((500, 1), np.float32),  # and a constant.
        "cam/pixels": np.zeros((500, 2, 2, 3), np.uint8),
    }
    keys = ("b/pose", "cam/pixels", "a/angle", "c/const")
    mean, std = inputs.vector_statistics(observation, keys)
    assert len(mean) == len(std) == 4  # a/angle, b/pose (2), c/const: sorted vector keys only.
    np.testing.assert_allclose(mean, [observation["a/angle"].mean(), *observation["b/pose"].mean(0), 1.0], rtol=1e-5)
    np.testing.assert_allclose(std[:3], [observation["a/angle"].std(), *observation["b/pose"].std(0)], rtol=1e-4)
    assert std[3] == inputs.MIN_STD
    vector_keys = ("b/pose", "a/angle", "c/const")
    raw, standardised = (
        torsos.ObservationTorso(vector_keys, (8,), vector_mean=m, vector_std=s) for m, s in (((), ()), (mean, std))
    )
    batch = {k: observation[k][:4] for k in vector_keys}
    params = raw.init(jax.random.PRNGKey(0), batch)
    by_hand = {
        k: (observation[k][:4] - observation[k].mean(0)) / np.maximum(observation[k].std(0), inputs.MIN_STD)
        for k in vector_keys
    }
    assert max(abs(v).max() for v in by_hand.values()) < inputs.MAX_STANDARDISED  # No clipping here.
    np.testing.assert_allclose(standardised.apply(params, batch), raw.apply(params, by_hand), atol=1e-3)  # float32


def test_standardised_features_are_clipped():
    features = jnp.asarray([[0.0, 1.0, -100.0]])  # [B=1, F=3]
    standardised = inputs.standardise(features, mean=(0.0, 0.0, 0.0), std=(1.0, 0.1, 1.0))
    np.testing.assert_allclose(standardised, [[0.0, inputs.MAX_STANDARDISED, -inputs.MAX_STANDARDISED]])


def test_selected_statistics_equal_those_measured_over_fewer_keys():
    rng = np.random.default_rng(1)
    observation = {
        "a/angle": rng.normal(0.0, 2.0, (100, 1)),
        "b/pose": rng.normal(3.0, 0.5, (100, 2, 3)),  # Flattened to 6 features.
        "c/force": rng.normal(-1.0, 4.0, (100, 3)),
        "cam/pixels": np.zeros((100, 2, 2, 3), np.uint8),
    }
    sizes = {"a/angle": 1, "b/pose": 6, "c/force": 3, "cam/pixels": 12}
    every = ("a/angle", "b/pose", "c/force", "cam/pixels")
    mean, std = inputs.vector_statistics(observation, every)
    for fewer in (("c/force", "a/angle"), ("b/pose",), ("cam/pixels", "c/force")):
        np.testing.assert_allclose(
            inputs.select_statistics(mean, std, every, fewer, sizes), inputs.vector_statistics(observation, fewer)
        )
    assert inputs.select_statistics(mean, std, every, ("cam/pixels",), sizes) == ((), ())
    with pytest.raises(ValueError, match=r"cover .* not \['d/extra'\]"):
        inputs.select_statistics(mean, std, every, ("a/angle", "d/extra"), sizes)
    with pytest.raises(ValueError, match="9 means and 9 stds for 10 features"):
        inputs.select_statistics(mean[:-1], std[:-1], every, ("a/angle",), sizes)
