"""Metrics: one JSON object per line (`<name>.jsonl`) and TensorBoard event files beside it.

`tensorboard --logdir runs/<run_name>` shows every stage's learner, actor and evaluator curves
(event files under `<stage>/metrics/tensorboard/<name>/`).
"""

import json
import math
import os
import pathlib
import time
from typing import Any, Mapping

import numpy as np


def _scalar(value: Any) -> float | int | str:
    if isinstance(value, (str, int)):
        return value
    value = np.asarray(value)
    return value.item() if value.size == 1 else value.tolist()


class MetricsWriter:
    """Appends `{"step": .., "time": .., **metrics}` lines to `<dir>/<name>.jsonl` and, with
    `tensorboard`, the numeric ones as scalars to `<dir>/tensorboard/<name>/` (flushed per write,
    so a killed process loses nothing)."""

    def __init__(self, directory: str | os.PathLike, name: str = "metrics", tensorboard: bool = True):
        self.path = pathlib.Path(directory) / f"{name}.jsonl"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.path, "a", buffering=1)
        self._tb = None
        if tensorboard:
            import tensorflow as tf  # Imported lazily: TensorFlow is slow to import.

            self._tb = tf.summary.create_file_writer(str(self.path.parent / "tensorboard" / name))

    def write(self, step: int, metrics: Mapping[str, Any]) -> None:
        row = {"step": int(step), "time": time.time()}
        row.update({k: _scalar(v) for k, v in metrics.items()})
        self._file.write(json.dumps(row, allow_nan=True) + "\n")
        if self._tb is not None:
            import tensorflow as tf

            with self._tb.as_default(step=int(step)):
                for key, value in row.items():
                    if isinstance(value, (int, float)) and key not in ("step", "time") and math.isfinite(value):
                        tf.summary.scalar(key, value)
            self._tb.flush()

    def close(self) -> None:
        self._file.close()
        if self._tb is not None:
            self._tb.close()


def read_metrics(path: str | os.PathLike) -> list[dict]:
    """Reads a metrics.jsonl file back (skipping a torn last line)."""
    rows = []
    with open(path) as f:
        for line in f:
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                break
    return rows
