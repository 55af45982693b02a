"""Test-wide settings: quiet TensorFlow, CPU-only JAX, headless MuJoCo."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MUJOCO_GL", "egl")
os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

from chef.utils import xla_flags  # noqa: E402  (imports nothing heavy)

xla_flags.start_single_threaded_backend()  # XLA:CPU as the launch scripts run it.

# Modules that take minutes (measured, slowest first) start first: with `-n 2 --dist loadscope` each
# worker takes one and the short tests fill in around them, where in collection order the longest
# came last and ran alone at the end.
LONG_MODULES = (
    "tests/chef/stages/test_pipeline.py",
    "tests/chef/stages/test_collect.py",
    "tests/chef/stages/test_pipeline_ray.py",
    "tests/launch/test_mtopt_ablation.py",
    "tests/chef/mtopt/test_episode_end_learning.py",
    "tests/launch/test_mtopt_online.py",
)


def pytest_collection_modifyitems(items):
    def rank(item) -> int:
        module = item.nodeid.split("::")[0]
        return LONG_MODULES.index(module) if module in LONG_MODULES else len(LONG_MODULES)

    items.sort(key=rank)  # Stable: the rest keep their order.
