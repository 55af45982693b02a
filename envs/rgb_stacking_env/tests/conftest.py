"""Test-wide settings for the benchmark's own tests: headless MuJoCo."""

import os

os.environ.setdefault("MUJOCO_GL", "egl")
