import jax
import numpy as np
import pytest

from chef.success import augment
from chef.utils.config import ConfigError

KEY = jax.random.PRNGKey(0)


def _images(shape=(2, 3, 12, 16, 3)):
    return np.random.default_rng(0).integers(0, 256, size=shape, dtype=np.uint8)


def test_augment_keeps_shape_and_range_and_is_deterministic_under_a_key():
    images = _images()
    out = augment.augment(KEY, images, augment.AugmentConfig())
    assert out.shape == images.shape and out.dtype == np.float32
    assert float(out.min()) >= 0.0 and float(out.max()) <= 1.0
    np.testing.assert_array_equal(out, augment.augment(KEY, images, augment.AugmentConfig()))
    assert not np.allclose(out, augment.augment(jax.random.PRNGKey(1), images, augment.AugmentConfig()))
    same = augment.augment(KEY, np.stack([images[0, 0]] * 2), augment.AugmentConfig())
    assert not np.allclose(same[0], same[1])  # Every image gets its own randomness.


def test_zero_strength_is_the_identity():
    images = _images()
    config = augment.AugmentConfig(crop_pad=0, max_rotation=0.0, max_brightness=0.0, max_shadow=0.0)
    np.testing.assert_allclose(augment.augment(KEY, images, config), images / 255.0, atol=1e-6)


def test_crop_shifts_content():
    image = np.zeros((8, 8, 1), np.float32)
    image[3:5, 3:5] = 1.0
    shifted = [np.asarray(augment.random_crop(jax.random.PRNGKey(i), image, pad=2)) for i in range(10)]
    assert all(s.shape == image.shape and s.sum() == 4.0 for s in shifted)  # Square stays inside.
    assert len({tuple(np.argwhere(s)[0]) for s in shifted}) > 1


def test_rotation():
    image = np.random.default_rng(1).uniform(size=(5, 5, 2)).astype(np.float32)
    np.testing.assert_allclose(augment.random_rotation(KEY, image, max_angle=0.0), image, atol=1e-5)
    quarter = np.asarray(augment.rotate(image, np.pi / 2))
    np.testing.assert_allclose(quarter, np.rot90(image, k=-1, axes=(0, 1)), atol=1e-5)  # Clockwise.


def test_brightness_scales_within_bounds():
    image = np.full((4, 4, 3), 0.5, np.float32)
    factors = [float(augment.random_brightness(jax.random.PRNGKey(i), image, 0.2)[0, 0, 0]) / 0.5 for i in range(20)]
    assert min(factors) >= 0.8 - 1e-6 and max(factors) <= 1.2 + 1e-6 and np.std(factors) > 0.01


def test_shadow_only_darkens_one_side():
    image = np.full((10, 10, 3), 0.8, np.float32)
    shadowed = np.asarray(augment.random_shadow(KEY, image, 0.5))
    assert np.all(shadowed <= image + 1e-6) and np.all(shadowed >= 0.4 - 1e-6)
    assert len(np.unique(shadowed.round(5))) <= 2  # Lit or uniformly shadowed pixels.


def test_config_validation():
    with pytest.raises(ConfigError, match="max_brightness"):
        augment.AugmentConfig(max_brightness=1.5)
