"""Result tables: the EXECUTE candidate x triplet table and CHEF's Table I.

Both are built from success counts, `{row: {triplet: SuccessCount}}`. Cells
show the main-task (stack-leave) success rate; the 'Average' column pools all
of a row's episodes, which equals the paper's mean over triplets when every
triplet has the same number of episodes.

Candidates are ranked best first by pooled success rate, ties broken by the
unweighted mean over triplets, then by the mean main-task return per episode
(where EXECUTE gives it: a signal when every candidate scores 0), then by name
(so the ranking is deterministic).
"""

import math
from typing import Any, Iterable, Mapping

import pandas as pd

from chef.results import stats
from chef.results.markdown import to_markdown
from chef.results.stats import SuccessCount

AVERAGE = "Average"
MAIN_TASK = "stack_leave"
STAGES = ("COLLECT", "HYPERPARAM", "EXECUTE", "FINE-TUNE")  # Table I rows, in order.

CountTable = Mapping[str, Mapping[str, SuccessCount]]  # row -> triplet -> count


def parse_count_table(
    raw: Mapping[str, Mapping[str, Any]], *, where: str = "table"
) -> dict[str, dict[str, SuccessCount]]:
    """Counts from their JSON form {row: {triplet: {"successes": k, "episodes": n}}}."""
    if not isinstance(raw, Mapping) or not raw:
        raise ValueError(f"{where}: expected a non-empty mapping row -> triplet -> counts, got {raw!r}")
    table = {}
    for row, cells in raw.items():
        if not isinstance(cells, Mapping):
            raise ValueError(f"{where}[{row!r}]: expected a mapping triplet -> counts, got {cells!r}")
        table[str(row)] = {
            str(triplet): SuccessCount.from_dict(cell, where=f"{where}[{row!r}][{triplet!r}]")
            for triplet, cell in cells.items()
        }
    return table


def dump_count_table(table: CountTable) -> dict[str, dict[str, dict[str, int]]]:
    """The JSON form of a count table (inverse of `parse_count_table`)."""
    return {row: {triplet: count.to_dict() for triplet, count in cells.items()} for row, cells in table.items()}


def triplet_order(triplets: Iterable[str]) -> list[str]:
    """Triplet names sorted naturally: '1' < '2' < '10' < 'test_random'."""
    return sorted(set(triplets), key=lambda t: (0, int(t), "") if t.isdigit() else (1, 0, t))


def _columns(table: CountTable) -> list[str]:
    return triplet_order(t for cells in table.values() for t in cells)


def rank_candidates(table: CountTable, returns: Mapping[str, float] | None = None) -> list[str]:
    """Candidate names, best first (pooled rate, then mean rate, then the mean main-task return per
    episode in `returns` where given, then name)."""
    returns = returns or {}

    def key(name: str) -> tuple[float, float, float, str]:
        pooled = stats.pool(table[name].values()).rate
        mean = stats.mean_rate(table[name].values())
        mean_return = returns.get(name, math.nan)
        return (*(-x if not math.isnan(x) else math.inf for x in (pooled, mean, mean_return)), name)

    return sorted(table, key=key)


def rate_frame(table: CountTable, rows: Iterable[str] | None = None) -> pd.DataFrame:
    """Success rates in [0, 1]: rows x (triplets + 'Average'); NaN where absent."""
    rows = list(table) if rows is None else list(rows)
    columns = _columns(table)
    data = {
        row: [table[row][t].rate if t in table[row] else math.nan for t in columns]
        + [stats.pool(table[row].values()).rate]
        for row in rows
    }
    return pd.DataFrame.from_dict(data, orient="index", columns=columns + [AVERAGE])


def formatted_frame(table: CountTable, rows: Iterable[str] | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """Like `rate_frame`, cells as '80% [49-94]' (rate and Wilson interval), and
    numbered triplets labelled 'triplet <n>'."""
    rows = list(table) if rows is None else list(rows)
    columns = _columns(table)
    data = {
        row: [stats.format_rate(table[row].get(t, SuccessCount(0, 0)), confidence) for t in columns]
        + [stats.format_rate(stats.pool(table[row].values()), confidence)]
        for row in rows
    }
    labels = [f"triplet {t}" if t.isdigit() else t for t in columns]
    return pd.DataFrame.from_dict(data, orient="index", columns=labels + [AVERAGE])


def execute_results(
    table: CountTable,
    *,
    episodes_per_triplet: int,
    main_task: str = MAIN_TASK,
    returns: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """The EXECUTE stage's results.json content (counts, the candidates' mean main-task return per
    episode where given, ranking best first)."""
    content = {
        "main_task": main_task,
        "episodes_per_triplet": int(episodes_per_triplet),
        "table": dump_count_table(table),
    }
    if returns:
        content["main_task_return"] = {name: float(returns[name]) for name in table if name in returns}
    return dict(content, ranking=rank_candidates(table, returns))


def execute_markdown(
    table: CountTable,
    confidence: float = 0.95,
    main_task: str = MAIN_TASK,
    returns: Mapping[str, float] | None = None,
) -> str:
    """results.md of the EXECUTE stage: candidates in ranking order (with their mean main-task
    return per episode where given)."""
    ranking = rank_candidates(table, returns)
    frame = formatted_frame(table, ranking, confidence)
    frame.insert(0, "rank", range(1, len(ranking) + 1))
    if returns:
        frame["return"] = [returns.get(name, math.nan) for name in ranking]
    frame.index.name = "candidate"
    return f"{main_task} success, {100 * confidence:.0f}% Wilson intervals\n\n" + to_markdown(frame)


def stage_counts_from_execute(table: CountTable, best: str) -> dict[str, dict[str, SuccessCount]]:
    """Table I rows HYPERPARAM (the best candidate, EXECUTE's first) and EXECUTE (all candidates pooled)."""
    pooled = {t: stats.pool(cells[t] for cells in table.values() if t in cells) for t in _columns(table)}
    return {"HYPERPARAM": dict(table[best]), "EXECUTE": pooled}


def table_one(stage_counts: CountTable, confidence: float = 0.95) -> pd.DataFrame:
    """CHEF Table I: stages (in CHEF order) x triplets + Average, formatted cells."""
    unknown = sorted(set(stage_counts) - set(STAGES))
    if unknown:
        raise ValueError(f"unknown stage(s) {unknown}; valid stages: {list(STAGES)}")
    frame = formatted_frame(stage_counts, [s for s in STAGES if s in stage_counts], confidence)
    frame.index.name = "stage"
    return frame


def table_one_markdown(stage_counts: CountTable, confidence: float = 0.95) -> str:
    """table_1.md: Table I as markdown with a caption line."""
    return f"{MAIN_TASK} success per test triplet, {100 * confidence:.0f}% Wilson intervals\n\n" + to_markdown(
        table_one(stage_counts, confidence)
    )


def pipeline_results(stage_counts: CountTable, *, best_candidate: str, main_task: str = MAIN_TASK) -> dict[str, Any]:
    """The pipeline stage's results.json content: Table I counts per stage."""
    table_one(stage_counts)  # validates the stage names
    return {"main_task": main_task, "best_candidate": best_candidate, "stages": dump_count_table(stage_counts)}
