"""Rendering fixed scene cameras with one `mujoco.Renderer`."""

from __future__ import annotations

from typing import Mapping

import mujoco
import numpy as np

from rgb_stacking_env.scene import CAMERA_NAMES, Scene


class Cameras:
    """Renders named cameras to [height, width, 3] uint8 images; call `close()` when done."""

    def __init__(self, model: mujoco.MjModel, cameras: Mapping[str, int], height: int, width: int):
        self._cameras = dict(cameras)
        self._renderer = mujoco.Renderer(model, height=height, width=width)
        # Shadows and reflections cost ~20x in software rendering.
        self._renderer.scene.flags[mujoco.mjtRndFlag.mjRND_SHADOW] = 0
        self._renderer.scene.flags[mujoco.mjtRndFlag.mjRND_REFLECTION] = 0
        self.render_count = 0

    def render(self, data: mujoco.MjData) -> dict[str, np.ndarray]:
        """One image per camera of the current state."""
        images = {}
        for name, camera in self._cameras.items():
            self._renderer.update_scene(data, camera=camera)
            images[name] = self._renderer.render()
        self.render_count += 1
        return images

    def close(self) -> None:
        self._renderer.close()


def basket_cameras(scene: Scene, size: int) -> Cameras:
    """The agent's three basket cameras, keyed by observation name ('<camera>/pixels')."""
    return Cameras(
        scene.model, {f"{name}/pixels": camera for name, camera in zip(CAMERA_NAMES, scene.cameras)}, size, size
    )
