"""Learning-curve and result plots, saved as PNG.

Figures are drawn with matplotlib's object API (`Figure` + Agg canvas), so
nothing touches pyplot's global state or needs a display. Each `plot_*`
function draws one figure from DataFrames of chef.results.run_reader and
returns the PNG's path; `plot_stage` draws every plot a stage's metrics allow.
"""

import os
import pathlib
from typing import Mapping, Sequence

import pandas as pd
from matplotlib.figure import Figure

from chef.results.run_reader import Stage

LEARNER_SCALARS = ("critic_loss", "policy_loss", "kl_mean", "temperature", "nll")
PER_TASK_METRICS = {  # source kind -> per-task metrics plotted for it
    "learner": ("q_mean",),
    "actors": ("success", "episode_return"),
    "evaluator": ("eval_success", "eval_return"),  # The evaluated head's own task only.
}


def task_columns(frame: pd.DataFrame, metric: str) -> dict[str, str]:
    """{task: column} for the columns '<metric>/<task>' of `frame`."""
    prefix = f"{metric}/"
    return {c[len(prefix) :]: c for c in frame.columns if isinstance(c, str) and c.startswith(prefix)}


def _save(figure: Figure, path: str | os.PathLike) -> pathlib.Path:
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100, bbox_inches="tight")
    return path


def plot_task_curves(
    frame: pd.DataFrame, metric: str, path: str | os.PathLike, *, title: str = "", smooth: int = 1, x: str = "step"
) -> pathlib.Path:
    """One line per task of '<metric>/<task>' against column `x` (rolling mean over `smooth` rows)."""
    columns = task_columns(frame, metric)
    if not columns:
        raise ValueError(f"no '{metric}/<task>' columns to plot; columns: {sorted(map(str, frame.columns))}")
    figure = Figure(figsize=(7, 4))
    axes = figure.add_subplot()
    for task, column in columns.items():
        rows = frame[[x, column]].dropna()
        axes.plot(rows[x], rows[column].rolling(smooth, min_periods=1).mean(), label=task)
    axes.set(xlabel=x.replace("_", " "), ylabel=metric, title=title or metric)
    axes.legend(fontsize="small")
    axes.grid(alpha=0.3)
    return _save(figure, path)


def plot_scalars(frame: pd.DataFrame, keys: Sequence[str], path: str | os.PathLike, *, title: str = "") -> pathlib.Path:
    """One panel per scalar column in `keys` (those present) against step."""
    present = [k for k in keys if k in frame.columns]
    if not present:
        raise ValueError(f"none of {list(keys)} to plot; columns: {sorted(map(str, frame.columns))}")
    figure = Figure(figsize=(4 * len(present), 3.2))
    for index, key in enumerate(present):
        axes = figure.add_subplot(1, len(present), index + 1)
        rows = frame[["step", key]].dropna()
        axes.plot(rows["step"], rows[key])
        axes.set(xlabel="step", title=key)
        axes.grid(alpha=0.3)
    if title:
        figure.suptitle(title)
    return _save(figure, path)


def plot_candidates(
    frames: Mapping[str, pd.DataFrame], column: str, path: str | os.PathLike, *, title: str = ""
) -> pathlib.Path:
    """One line per sweep candidate of `column` against step."""
    figure = Figure(figsize=(7, 4))
    axes = figure.add_subplot()
    plotted = 0
    for name, frame in frames.items():
        if column in frame.columns:
            rows = frame[["step", column]].dropna()
            axes.plot(rows["step"], rows[column], label=name)
            plotted += 1
    if not plotted:
        raise ValueError(f"no candidate among {sorted(frames)} logged '{column}'")
    axes.set(xlabel="step", ylabel=column, title=title or column)
    axes.legend(fontsize="small")
    axes.grid(alpha=0.3)
    return _save(figure, path)


def plot_success_bars(
    rates: pd.DataFrame, path: str | os.PathLike, *, title: str = "", xlabel: str = "triplet"
) -> pathlib.Path:
    """Grouped bars: rows of `rates` (candidates or stages) x columns (triplets), in %."""
    figure = Figure(figsize=(max(6, 1.2 * len(rates.index) * len(rates.columns) / 3), 4))
    axes = figure.add_subplot()
    width = 0.8 / max(1, len(rates.index))
    for offset, (row, values) in enumerate(rates.iterrows()):
        positions = [i + offset * width for i in range(len(rates.columns))]
        axes.bar(positions, 100 * values.to_numpy(dtype=float), width=width, label=str(row))
    axes.set_xticks([i + 0.4 - width / 2 for i in range(len(rates.columns))], [str(c) for c in rates.columns])
    axes.set(xlabel=xlabel, ylabel="success %", ylim=(0, 100), title=title)
    axes.legend(fontsize="small")
    return _save(figure, path)


def with_task_means(frame: pd.DataFrame, metrics: tuple[str, ...]) -> pd.DataFrame:
    """Adds a '<metric>' column (mean over tasks) for each metric logged only as '<metric>/<task>'."""
    means = {
        m: frame[list(task_columns(frame, m).values())].mean(axis=1)
        for m in metrics
        if m not in frame.columns and task_columns(frame, m)
    }
    return frame.assign(**means) if means else frame


def plot_stage(stage: Stage, out_dir: str | os.PathLike, *, smooth: int = 10) -> list[pathlib.Path]:
    """Every curve the stage's metrics allow, as <out_dir>/<stage>_<what>.png."""
    out_dir = pathlib.Path(out_dir)
    sources: dict[str, pd.DataFrame] = {}
    if "learner" in stage.metrics:
        sources["learner"] = with_task_means(stage.metrics["learner"], LEARNER_SCALARS)
    if stage.actor_sources:
        actors = stage.actors()
        # Episodes of the learned policy only, not those of the scripted policy (actors.scripted_fraction).
        sources["actors"] = actors[actors["scripted"] != 1.0] if "scripted" in actors.columns else actors
    if "evaluator" in stage.metrics:
        sources["evaluator"] = stage.metrics["evaluator"]
    paths = []
    if "learner" in sources and any(k in sources["learner"].columns for k in LEARNER_SCALARS):
        paths.append(
            plot_scalars(
                sources["learner"],
                LEARNER_SCALARS,
                out_dir / f"{stage.name}_learner.png",
                title=f"{stage.name}: learner",
            )
        )
    for kind, frame in sources.items():
        window = smooth if kind == "actors" else 1
        x = "policy_version" if kind == "evaluator" and "policy_version" in frame.columns else "step"
        for metric in PER_TASK_METRICS[kind]:
            if task_columns(frame, metric):
                paths.append(
                    plot_task_curves(
                        frame,
                        metric,
                        out_dir / f"{stage.name}_{kind}_{metric}.png",
                        title=f"{stage.name}: {kind} {metric}",
                        smooth=window,
                        x=x,
                    )
                )
    if stage.candidates:
        frames = {
            name: with_task_means(candidate.metrics["learner"], LEARNER_SCALARS)
            for name, candidate in stage.candidates.items()
            if "learner" in candidate.metrics
        }
        for key in LEARNER_SCALARS:
            if any(key in f.columns for f in frames.values()):
                paths.append(
                    plot_candidates(
                        frames,
                        key,
                        out_dir / f"{stage.name}_candidates_{key}.png",
                        title=f"{stage.name}: {key} per candidate",
                    )
                )
    return paths
