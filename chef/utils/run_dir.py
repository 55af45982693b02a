"""One directory per run and stage: `<root>/<run_name>/<stage>/`.

It holds the stage's config (config.json), logs, metrics and outputs. A stage
that finished writes a DONE marker; its directory is then never written again.
A stage directory that exists without DONE is only reused with `resume=True`.
"""

import json
import logging
import os
import pathlib
from typing import Any

from absl import logging as absl_logging

from chef.utils import config as config_lib

DONE_MARKER = "DONE"


class RunDirError(RuntimeError):
    """Refusal to reuse a stage directory (completed, or exists without --resume)."""


def stage_path(root: str | os.PathLike, run_name: str, stage: str) -> pathlib.Path:
    return pathlib.Path(root) / run_name / stage


def is_complete(root: str | os.PathLike, run_name: str, stage: str) -> bool:
    return (stage_path(root, run_name, stage) / DONE_MARKER).exists()


def check_stage(root: str | os.PathLike, run_name: str, stage: str, *, resume: bool = False) -> bool:
    """Whether the stage directory may be written (creating nothing): True when it continues an
    unfinished run, False when new; raises RunDirError for a complete stage, or an unfinished
    one without `resume`."""
    path = stage_path(root, run_name, stage)
    if is_complete(root, run_name, stage):
        raise RunDirError(
            f"stage '{stage}' of run '{run_name}' is already complete at {path}; "
            "completed outputs are never overwritten (choose another run name)."
        )
    if path.exists() and any(path.iterdir()):
        if not resume:
            raise RunDirError(
                f"{path} exists from an unfinished run; pass --resume to continue it or choose another run name."
            )
        return True
    return False


class StageDir:
    """The directory of one stage of one run."""

    def __init__(self, root: str | os.PathLike, run_name: str, stage: str, *, resume: bool = False):
        self.resumed = check_stage(root, run_name, stage, resume=resume)
        self.path = stage_path(root, run_name, stage)
        self.path.mkdir(parents=True, exist_ok=True)

    @property
    def is_done(self) -> bool:
        return (self.path / DONE_MARKER).exists()

    def subdir(self, name: str) -> pathlib.Path:
        path = self.path / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def stored_config(self) -> dict[str, Any] | None:
        """The config.json of the run being resumed, else None."""
        target = self.path / "config.json"
        return json.loads(target.read_text()) if self.resumed and target.exists() else None

    def write_config(self, config: Any) -> None:
        """Writes config.json; on resume, refuses a config that changed."""
        target = self.path / "config.json"
        text = config_lib.dumps(config)
        stored = self.stored_config()
        if stored is not None:
            changed = config_differences(stored, json.loads(text))
            if changed:
                raise RunDirError(
                    f"--resume with a config different from {target} in {'; '.join(changed)}; "
                    "resume with the same config (pass the stored values as overrides)."
                )
            return
        atomic_write_text(target, text)

    def log_to_file(self) -> None:
        """Mirrors absl logging into logs/<stage>.log inside the stage directory."""
        handler = logging.FileHandler(self.subdir("logs") / "stage.log")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        absl_logging.get_absl_logger().addHandler(handler)

    def mark_done(self, summary: dict | None = None) -> None:
        atomic_write_text(self.path / DONE_MARKER, json.dumps(summary or {}, indent=2))


def config_differences(stored: Any, current: Any, path: str = "") -> list[str]:
    """'key.path: stored -> current' for every leaf that differs between two JSON configs."""
    if isinstance(stored, dict) and isinstance(current, dict):
        return [
            d
            for key in sorted(set(stored) | set(current), key=str)
            for d in config_differences(
                stored.get(key, _ABSENT), current.get(key, _ABSENT), f"{path}.{key}" if path else str(key)
            )
        ]
    return [] if stored == current else [f"{path or 'config'}: {stored!r} -> {current!r}"]


class _Absent:
    def __repr__(self) -> str:
        return "absent"


_ABSENT = _Absent()


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Writes a file so that readers see either the old or the new content."""
    atomic_write_bytes(path, text.encode())


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Writes a file so that readers see either the old or the new content."""
    path = pathlib.Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)
