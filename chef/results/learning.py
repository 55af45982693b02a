"""Did COLLECT learn anything? Per task, the learned policy's actor returns early and late in the
run beside a reference policy's (the pipeline's summary; docs/results.md)."""

import numpy as np
import pandas as pd

RETURN_PREFIX = "episode_return/"


def mean_and_error(values: np.ndarray) -> tuple[float, float]:
    """Mean and its standard error (0 for a single value)."""
    values = np.asarray(values, np.float64)
    error = values.std(ddof=1) / np.sqrt(len(values)) if len(values) > 1 else 0.0
    return float(values.mean()), float(error)


def collect_learning(
    actors: pd.DataFrame, reference_returns: np.ndarray, task_names: tuple[str, ...], fraction: float = 0.25
) -> pd.DataFrame:
    """One row per task: the mean return (and standard error) of the learned policy's actor
    episodes in the first and in the last `fraction` of them (in time order; scripted episodes left
    out), and of the reference policy's episodes `reference_returns` [E, T] (T = `task_names`).

    `actors`: the actor metrics of COLLECT (`run_reader.Stage.actors()`), with 'time', 'scripted'
    and 'episode_return/<task>' columns.
    """
    if not 0.0 < fraction <= 0.5:
        raise ValueError(f"fraction must lie in (0, 0.5], got {fraction}")
    learned = actors[actors["scripted"] != 1.0] if "scripted" in actors.columns else actors
    learned = learned.sort_values("time", kind="stable")
    count = int(len(learned) * fraction)
    if count < 1:
        raise ValueError(f"{len(learned)} learned-policy actor episodes are too few to compare early and late")
    rows = {}
    for i, task in enumerate(task_names):
        returns = learned[RETURN_PREFIX + task].to_numpy()
        first, first_error = mean_and_error(returns[:count])
        last, last_error = mean_and_error(returns[-count:])
        reference, reference_error = mean_and_error(reference_returns[:, i])
        rows[task] = {
            "first": first,
            "first_se": first_error,
            "last": last,
            "last_se": last_error,
            "reference": reference,
            "reference_se": reference_error,
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def describe(table: pd.DataFrame, episodes_per_window: int, reference: str, reference_episodes: int) -> str:
    """Markdown: the table of `collect_learning` and one line per task whose late return is above
    both its early return and the reference's by more than two standard errors."""
    lines = [
        f"| task | first {episodes_per_window} episodes | last {episodes_per_window} episodes | "
        f"{reference} policy ({reference_episodes} episodes) |",
        "| --- | ---: | ---: | ---: |",
    ]
    risen = []
    for task, row in table.iterrows():
        lines.append(
            f"| {task} | {row['first']:.2f} ± {row['first_se']:.2f} | {row['last']:.2f} ± {row['last_se']:.2f} | "
            f"{row['reference']:.2f} ± {row['reference_se']:.2f} |"
        )
        margin = 2 * np.hypot(row["last_se"], max(row["first_se"], row["reference_se"]))
        if row["last"] - max(row["first"], row["reference"]) > margin:
            risen.append(
                f"{task} rose from {row['first']:.1f} to {row['last']:.1f} per episode "
                f"({reference} policy: {row['reference']:.1f})"
            )
    summary = "; ".join(risen) if risen else "no task's return rose above both its start and the reference's"
    return "\n".join(lines) + f"\n\nLearned (more than two standard errors): {summary}.\n"
