"""The installed console scripts (pyproject.toml [project.scripts]) that tests run as subprocesses."""

import pathlib
import sys


def command(name: str) -> list[str]:
    """argv prefix of `chef-<name>` (underscores become hyphens) from this interpreter's environment."""
    return [str(pathlib.Path(sys.executable).with_name(f"chef-{name.replace('_', '-')}"))]
