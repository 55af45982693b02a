"""The RGB-Stacking benchmark (Sawyer, red-on-blue stacking) in MuJoCo."""

import os

# Headless rendering by default; set MUJOCO_GL=disable to skip cameras entirely.
os.environ.setdefault("MUJOCO_GL", "egl")

from rgb_stacking_env.environment import EnvConfig, EnvConfigError, RgbStackingEnv, make  # noqa: E402
from rgb_stacking_env.gym_adapter import GYM_IDS, GymRgbStacking, register  # noqa: E402
from rgb_stacking_env.observations import observation_keys, observation_spec  # noqa: E402
from rgb_stacking_env.rewards import TASK_NAMES  # noqa: E402

register()

__all__ = [
    "EnvConfig",
    "EnvConfigError",
    "GYM_IDS",
    "GymRgbStacking",
    "RgbStackingEnv",
    "TASK_NAMES",
    "make",
    "observation_keys",
    "observation_spec",
]
