"""Summary of a COLLECT stage directory, as in docs/results.md.

Prints the learned-policy actor episodes in equal windows (reach_grasp and lift return, episodes
with any lift reward), the evaluator's mean return per head and 10k policy versions, and grasp
counts read from the stored RLDS episodes (held grasp = grasp flag 2 at some step).

  .venv/bin/python scripts/collect_summary.py runs/lift2/collect --windows=6
"""

import json
import pathlib

import numpy as np
import tensorflow_datasets as tfds
from absl import app, flags

from chef.data import rlds_reader
from rgb_stacking_env.rewards import REWARD_STATE_KEY, TASK_NAMES, RewardState

_WINDOWS = flags.DEFINE_integer("windows", 6, "Equal windows of learned-policy actor episodes.")
_HELD_GRASP = 2  # RewardState.grasp of an inward grasp.
_LIFT = TASK_NAMES.index("lift")


def _rows(path: pathlib.Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _grasp_counts(directory: pathlib.Path) -> dict[str, list[int]]:
    """{'scripted' | 'learned': [episodes, with a held grasp, with any lift reward]}."""
    counts = {"scripted": [0, 0, 0], "learned": [0, 0, 0]}
    for episode in tfds.as_numpy(rlds_reader.episode_dataset(str(directory), steps_as_tensors=True)):
        kind = "scripted" if [t.decode() for t in episode["task_sequence"]] == ["scripted"] else "learned"
        state = RewardState.from_vector(episode["steps"]["observation"][REWARD_STATE_KEY])
        counts[kind][0] += 1
        counts[kind][1] += int(np.any(state.grasp == _HELD_GRASP))
        counts[kind][2] += int(episode["steps"]["reward"][:, _LIFT].sum() > 0)
    return counts


def main(argv):
    stage = pathlib.Path(argv[1])
    metrics = stage / "metrics"
    actors = sorted(
        (row for path in sorted(metrics.glob("actor_*.jsonl")) for row in _rows(path)), key=lambda row: row["time"]
    )
    start = min(_rows(metrics / "learner.jsonl")[0]["time"], actors[0]["time"])
    learned = [row for row in actors if not row["scripted"]]
    print(f"{len(actors)} actor episodes, {len(actors) - len(learned)} scripted\n")
    print("| actor episodes | minutes | policy version | reach_grasp return | lift return | any lift reward |")
    print("|---|---|---|---|---|---|")
    for window in np.array_split(np.arange(len(learned)), _WINDOWS.value):
        rows = [learned[i] for i in window]
        print(
            f"| {window[0]}-{window[-1]} | {(rows[0]['time'] - start) / 60:.0f}-{(rows[-1]['time'] - start) / 60:.0f} "
            f"| {rows[0]['policy_version']:,}-{rows[-1]['policy_version']:,} "
            f"| {np.mean([r['episode_return/reach_grasp'] for r in rows]):.2f} "
            f"| {np.mean([r['episode_return/lift'] for r in rows]):.3f} "
            f"| {sum(r['episode_return/lift'] > 0 for r in rows)} of {len(rows)} |"
        )
    evaluator = _rows(metrics / "evaluator.jsonl")
    print("\nevaluator mean return per head and 10k policy versions:")
    for head in sorted({k.split("/", 1)[1] for row in evaluator for k in row if k.startswith("eval_return/")}):
        rows = [r for r in evaluator if f"eval_return/{head}" in r]
        by_block = {}
        for r in rows:
            by_block.setdefault(r["policy_version"] // 10_000, []).append(r[f"eval_return/{head}"])
        print(
            f"  {head} ({len(rows)} episodes, max {max(r[f'eval_return/{head}'] for r in rows):.1f}): "
            + ", ".join(f"{b * 10}k: {np.mean(v):.1f}" for b, v in sorted(by_block.items()))
        )
    print("\nRLDS episodes: [episodes, with a held grasp, with any lift reward]")
    for directory in sorted((stage / "datasets").iterdir()):
        if directory.name != "final_evaluation":
            print(f"  {directory.name}: {_grasp_counts(directory)}")


if __name__ == "__main__":
    app.run(main)
