"""Image augmentations for success-detector training (MT-Opt: crop, brightness,
rotation, shadows), as pure jax functions of a PRNG key.

Single-image functions take float images [H, W, C] in [0, 1] and keep shape
and range; `augment` applies all of them, with independent randomness, to
every image of a uint8 or float batch [..., H, W, C].
"""

import dataclasses

import jax
import jax.numpy as jnp

from chef.utils.config import require


@dataclasses.dataclass(frozen=True)
class AugmentConfig:
    crop_pad: int = 4  # Random shift of up to this many pixels (edge-padded crop).
    max_rotation: float = 0.1  # Radians; uniform in [-max, max] about the centre.
    max_brightness: float = 0.2  # Scale by a factor uniform in [1 - max, 1 + max].
    max_shadow: float = 0.5  # A half-plane is darkened by a factor uniform in [1 - max, 1].

    def __post_init__(self):
        require(self.crop_pad >= 0, f"crop_pad must be >= 0, got {self.crop_pad}")
        require(0.0 <= self.max_rotation <= jnp.pi, f"max_rotation must lie in [0, pi], got {self.max_rotation}")
        require(0.0 <= self.max_brightness < 1.0, f"max_brightness must lie in [0, 1), got {self.max_brightness}")
        require(0.0 <= self.max_shadow <= 1.0, f"max_shadow must lie in [0, 1], got {self.max_shadow}")


def random_crop(key: jax.Array, image: jax.Array, pad: int) -> jax.Array:
    """Edge-pads by `pad` and crops back to the original size at a random offset."""
    if pad == 0:
        return image
    height, width, channels = image.shape
    padded = jnp.pad(image, ((pad, pad), (pad, pad), (0, 0)), mode="edge")
    dy, dx = jax.random.randint(key, (2,), 0, 2 * pad + 1)
    return jax.lax.dynamic_slice(padded, (dy, dx, 0), (height, width, channels))


def rotate(image: jax.Array, angle: jax.Array) -> jax.Array:
    """Rotates clockwise (as displayed, y down) about the centre by `angle` radians; bilinear."""
    height, width, _ = image.shape
    ys, xs = jnp.meshgrid(jnp.arange(height, dtype=jnp.float32), jnp.arange(width, dtype=jnp.float32), indexing="ij")
    cy, cx = (height - 1) / 2, (width - 1) / 2
    cos, sin = jnp.cos(angle), jnp.sin(angle)
    source_y = cy + cos * (ys - cy) - sin * (xs - cx)  # [H, W]
    source_x = cx + sin * (ys - cy) + cos * (xs - cx)
    sample = lambda plane: jax.scipy.ndimage.map_coordinates(plane, [source_y, source_x], order=1, mode="nearest")
    return jax.vmap(sample, in_axes=2, out_axes=2)(image)


def random_rotation(key: jax.Array, image: jax.Array, max_angle: float) -> jax.Array:
    """Rotates by an angle uniform in [-max_angle, max_angle]."""
    return rotate(image, jax.random.uniform(key, (), minval=-max_angle, maxval=max_angle))


def random_brightness(key: jax.Array, image: jax.Array, max_delta: float) -> jax.Array:
    """Scales by a factor in [1 - max_delta, 1 + max_delta], clipped to [0, 1]."""
    factor = jax.random.uniform(key, (), minval=1.0 - max_delta, maxval=1.0 + max_delta)
    return jnp.clip(image * factor, 0.0, 1.0)


def random_shadow(key: jax.Array, image: jax.Array, max_darkening: float) -> jax.Array:
    """Darkens the pixels on one side of a random line through the image."""
    height, width, _ = image.shape
    point_key, angle_key, strength_key = jax.random.split(key, 3)
    point = jax.random.uniform(point_key, (2,)) * jnp.array([height, width])
    angle = jax.random.uniform(angle_key, (), maxval=2 * jnp.pi)
    ys, xs = jnp.meshgrid(jnp.arange(height), jnp.arange(width), indexing="ij")
    in_shadow = (ys - point[0]) * jnp.cos(angle) + (xs - point[1]) * jnp.sin(angle) > 0  # [H, W]
    factor = 1.0 - jax.random.uniform(strength_key, (), maxval=max_darkening)
    return jnp.where(in_shadow[..., None], image * factor, image)


def augment_image(key: jax.Array, image: jax.Array, config: AugmentConfig) -> jax.Array:
    """All augmentations on one float image [H, W, C] in [0, 1]."""
    crop_key, rotation_key, brightness_key, shadow_key = jax.random.split(key, 4)
    image = random_crop(crop_key, image, config.crop_pad)
    image = random_rotation(rotation_key, image, config.max_rotation)
    image = random_brightness(brightness_key, image, config.max_brightness)
    return random_shadow(shadow_key, image, config.max_shadow)


def to_float(images: jax.Array) -> jax.Array:
    """uint8 images -> float32 in [0, 1]; float images are returned as float32."""
    if images.dtype == jnp.uint8:
        return images.astype(jnp.float32) / 255.0
    return images.astype(jnp.float32)


def augment(key: jax.Array, images: jax.Array, config: AugmentConfig) -> jax.Array:
    """Augments every image of [..., H, W, C] independently -> float32 in [0, 1]."""
    images = to_float(jnp.asarray(images))
    flat = images.reshape((-1,) + images.shape[-3:])  # [M, H, W, C]
    keys = jax.random.split(key, flat.shape[0])
    augmented = jax.vmap(lambda k, im: augment_image(k, im, config))(keys, flat)
    return augmented.reshape(images.shape)
