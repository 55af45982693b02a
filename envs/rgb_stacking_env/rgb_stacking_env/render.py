"""Video of an episode: frames from the reference's cameras, written as .mp4 or .gif.

The command `rgb-stacking-render` (rgb_stacking_env.render_cli) records one episode.

Frames come from the reference's front video camera, with the three basket
cameras in a strip below when `--with_basket_cameras`.
"""

from __future__ import annotations

import os
from typing import Callable, Mapping, Optional

import imageio
import numpy as np
import tqdm

from rgb_stacking_env.cameras import Cameras, basket_cameras
from rgb_stacking_env.environment import RgbStackingEnv, make
from rgb_stacking_env.scene import CAMERA_NAMES
from rgb_stacking_env.scripted_policy import ScriptedStackingPolicy
from rgb_stacking_env.simulation import Simulation


class EpisodeCamera:
    """Video frames of a simulation: the front video camera, with the three basket cameras in a
    strip below when `with_basket_cameras`. `height` is the main view's (a multiple of 16)."""

    def __init__(self, sim: Simulation, height: int, with_basket_cameras: bool = True):
        self._sim = sim
        tile = height * 4 // 9 // 16 * 16  # three square basket views span the frame; video codecs want 16 px blocks
        self._main = Cameras(sim.model, {"main": sim.scene.main_camera}, height, 3 * tile)
        self._basket = basket_cameras(sim.scene, tile) if with_basket_cameras else None

    def render(self) -> np.ndarray:
        """The current state's frame [H, W, 3] uint8."""
        frame = self._main.render(self._sim.data)["main"]
        if self._basket is not None:
            images = self._basket.render(self._sim.data)
            frame = np.concatenate([frame, np.concatenate([images[f"{n}/pixels"] for n in CAMERA_NAMES], 1)])
        return frame

    def close(self) -> None:
        self._main.close()
        if self._basket is not None:
            self._basket.close()


def record_episode(
    env: RgbStackingEnv,
    policy: Callable[[Mapping[str, np.ndarray]], np.ndarray],
    height: int,
    with_basket_cameras: bool,
    seed: Optional[int] = None,
) -> tuple[list[np.ndarray], dict[str, float]]:
    """Runs one episode of `policy` (observation -> action) in `env` (reset with `seed` when given);
    returns frames (one per action, before it) and final rewards."""
    timestep = env.reset() if seed is None else env.reset(seed=seed)
    camera = EpisodeCamera(env.simulation, height, with_basket_cameras)
    frames = []
    try:
        for _ in tqdm.trange(env.config.episode_length, desc="episode"):
            frames.append(camera.render())
            timestep = env.step(policy(timestep.observation))
            if timestep.last():
                break
    finally:
        camera.close()
    return frames, {name: float(value) for name, value in env.last_rewards.items()}


def render_episode(
    object_set: str, policy: str, seed: int, steps: int, height: int, with_basket_cameras: bool
) -> tuple[list[np.ndarray], dict[str, float]]:
    """Runs one episode of the scripted or a random policy; returns its frames and the final rewards."""
    env = make(object_set=object_set, seed=seed, episode_length=steps)
    rng = np.random.default_rng(seed)
    spec = env.action_spec()
    scripted = ScriptedStackingPolicy()
    random_policy = lambda _: rng.uniform(spec.minimum, spec.maximum).astype(np.float32)
    try:
        return record_episode(env, scripted if policy == "scripted" else random_policy, height, with_basket_cameras)
    finally:
        env.close()


def write_video(path: str, frames: list[np.ndarray], fps: int = 20) -> None:
    """Writes frames as .mp4 (or .gif), creating the parent directory."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    imageio.mimsave(path, frames, fps=fps)
