"""Per-episode returns of recorded RLDS datasets, as docs/results.md quotes them.

For each dataset directory given (or each dataset directly under a directory given, e.g.
`<run>/execute/datasets`), prints one JSON line: the episodes, and per task (of those the dataset
records rewards for) the mean return per episode, its standard error and the episodes with any
reward.

  .venv/bin/python scripts/episode_returns.py runs/state_lift_s10/execute/datasets --tasks=lift,reach_grasp
"""

import json
import pathlib
import sys

from absl import app, flags

from chef.data import layout, rlds_reader
from chef.results import learning
from rgb_stacking_env.rewards import TASK_NAMES  # CHEF's six; MT-Opt datasets record their family's.

_TASKS = flags.DEFINE_list("tasks", list(TASK_NAMES), "Tasks to report (reward columns; others are skipped).")


def dataset_directories(path: pathlib.Path) -> list[pathlib.Path]:
    """`path` if it is a dataset, else the datasets directly under it."""
    if (path / layout.CHEF_METADATA).is_file():
        return [path]
    found = sorted(p for p in path.iterdir() if (p / layout.CHEF_METADATA).is_file())
    if not found:
        raise app.UsageError(f"{path} is not an RLDS dataset and holds none")
    return found


def returns(directory: pathlib.Path, tasks: list[str]) -> dict:
    totals = rlds_reader.episode_returns(directory)  # [episodes, tasks]
    recorded = layout.load_layout(directory).task_names
    row = {"dataset": str(directory), "episodes": len(totals)}
    for task in (t for t in tasks if t in recorded):
        column = totals[:, recorded.index(task)]
        mean, error = learning.mean_and_error(column)
        row[task] = {"mean": round(mean, 2), "stderr": round(error, 2), "with_reward": int((column > 0).sum())}
    return row


def main(argv):
    if len(argv) < 2:
        raise app.UsageError("name at least one dataset directory")
    for path in argv[1:]:
        for directory in dataset_directories(pathlib.Path(path)):
            try:
                print(json.dumps(returns(directory, _TASKS.value)), flush=True)
            except layout.DatasetError as e:
                sys.exit(f"error: {e}")


if __name__ == "__main__":
    app.run(main)
