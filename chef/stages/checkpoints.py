"""Numbered checkpoints `step_<n>/` of a learner's full state (orbax), newest kept."""

import pathlib
import shutil
from typing import Any

from chef.agents.mpo import checkpointing


def _steps(directory: str | pathlib.Path) -> list[tuple[int, pathlib.Path]]:
    # orbax writes into a temporary directory and renames it: only complete ones match.
    return sorted((int(p.name[5:]), p) for p in pathlib.Path(directory).glob("step_*") if p.name[5:].isdigit())


def latest(directory: str | pathlib.Path) -> tuple[int, pathlib.Path] | None:
    """(step, path) of the newest checkpoint in `directory`, or None."""
    steps = _steps(directory)
    return steps[-1] if steps else None


def save(directory: str | pathlib.Path, step: int, state: Any, keep: int = 2) -> pathlib.Path:
    """Writes `directory/step_<step>` and deletes all but the newest `keep`."""
    path = pathlib.Path(directory) / f"step_{step}"
    checkpointing.save_state(path, state)
    for _, old in _steps(directory)[:-keep]:
        shutil.rmtree(old)
    return path


def restore(path: str | pathlib.Path, like: Any) -> Any:
    return checkpointing.restore_state(path, like)


def save_params(path: str | pathlib.Path, params: Any) -> None:
    """Writes policy parameters to `path`, replacing what was there."""
    path = pathlib.Path(path)
    if path.exists():
        shutil.rmtree(path)
    checkpointing.save_state(path, params)
