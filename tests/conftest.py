"""Test-wide settings: quiet TensorFlow, CPU-only JAX, headless MuJoCo."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MUJOCO_GL", "egl")
os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

from chef.utils import xla_flags  # noqa: E402  (imports nothing heavy)

xla_flags.start_single_threaded_backend()  # XLA:CPU as the launch scripts run it.
