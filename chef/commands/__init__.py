"""The command-line programs, one module per stage or tool; each `run()` is a console script
(`chef-<name>`, pyproject.toml) and `python -m chef.commands.<name>` works too.

Importing this package sets up the command-line contract (chef.launch.cli: quiet library logs,
XLA:CPU flags, headless rendering) before any command module imports TensorFlow, JAX or Reverb.
"""

from chef.launch import cli  # noqa: F401
