"""Success-detector error rates in the layout of MT-Opt Table III.

For the detector of task i:
  own-task rates are measured on the examples collected for task i
    (primary_task == i): false-negative rate = P(predicted failure | success
    for i), false-positive rate = P(predicted success | failure for i);
  other-task rates are the same rates on the examples collected for any
    other task (primary_task != i), still judged against task i's label, e.g.
    whether a successful lift-green episode triggers the lift-red detector.
A rate with no examples to measure it on is NaN.
"""

from typing import Sequence

import numpy as np
import pandas as pd

from chef.results.stats import wilson_interval

COLUMNS = (
    "total",
    "successes",
    "failures",
    "false_negatives",
    "false_positives",
    "success_rate",
    "false_negative_rate",
    "false_positive_rate",
    "other_task_false_negative_rate",
    "other_task_false_positive_rate",
)


def _rate(errors: np.ndarray, mask: np.ndarray) -> float:
    return float(errors[mask].mean()) if mask.any() else float("nan")


def detector_error_rates(
    probabilities: np.ndarray,
    labels: np.ndarray,
    primary_task: np.ndarray,
    task_names: Sequence[str],
    threshold: float = 0.5,
) -> pd.DataFrame:
    """One row per task (indexed by name) with the columns of `COLUMNS`.

    probabilities [N, T] predicted P(success) per task, labels [N, T] bool,
    primary_task [N] int: the task each example was collected for.
    """
    probabilities, labels = np.asarray(probabilities), np.asarray(labels, bool)
    primary_task = np.asarray(primary_task)
    if probabilities.shape != labels.shape or probabilities.shape[1:] != (len(task_names),):
        raise ValueError(
            f"probabilities {probabilities.shape} and labels {labels.shape} must both be "
            f"[N, {len(task_names)}] for tasks {list(task_names)}"
        )
    if primary_task.shape != labels.shape[:1]:
        raise ValueError(f"primary_task must have shape [{labels.shape[0]}], got {primary_task.shape}")
    predicted = probabilities >= threshold  # [N, T]
    rows = []
    for i in range(len(task_names)):
        own, label, pred = primary_task == i, labels[:, i], predicted[:, i]
        rows.append(
            {
                "total": int(own.sum()),
                "successes": int((own & label).sum()),
                "failures": int((own & ~label).sum()),
                "false_negatives": int((own & label & ~pred).sum()),
                "false_positives": int((own & ~label & pred).sum()),
                "success_rate": _rate(label, own),
                "false_negative_rate": _rate(~pred, own & label),
                "false_positive_rate": _rate(pred, own & ~label),
                "other_task_false_negative_rate": _rate(~pred, ~own & label),
                "other_task_false_positive_rate": _rate(pred, ~own & ~label),
            }
        )
    return pd.DataFrame(rows, index=pd.Index(list(task_names), name="task"), columns=list(COLUMNS))


def accuracy(probabilities: np.ndarray, labels: np.ndarray, threshold: float = 0.5) -> float:
    """Fraction of (example, task) pairs classified correctly."""
    return float(np.mean((np.asarray(probabilities) >= threshold) == np.asarray(labels, bool)))


def own_task_errors(errors: pd.DataFrame) -> pd.DataFrame:
    """Per task (rows of `detector_error_rates`): the own-task false negatives and false positives
    as 'k / n (rate % [95 % Wilson interval])', n the task's own successes or failures."""

    def cell(k: int, n: int) -> str:
        if not n:
            return "-"
        low, high = wilson_interval(k, n)
        return f"{k} / {n} ({100 * k / n:.1f} % [{100 * low:.1f}-{100 * high:.1f}])"

    return pd.DataFrame(
        {
            "false_negatives": [cell(k, n) for k, n in zip(errors["false_negatives"], errors["successes"])],
            "false_positives": [cell(k, n) for k, n in zip(errors["false_positives"], errors["failures"])],
        },
        index=errors.index,
    )
