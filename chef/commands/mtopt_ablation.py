"""MT-Opt ablation: (orig, all, skill, skill_p) x (uniform, rebalanced) on one dataset, Table II style.

  chef-mtopt-ablation --config=mtopt:state --run_name=ablation
  chef-mtopt-ablation --config=mtopt:tiny --run_name=smoke
  # a new task from old data only: relabel the dataset of an earlier run with its predicate
  chef-mtopt-ablation --config=mtopt:state --run_name=new_task \
      --config.dataset_dir=runs/ablation/mtopt_ablation/dataset --config.extra_tasks="('place-blue-on-red',)"
  # route with a success detector's labels instead of the predicates (its run's held-out seed)
  chef-mtopt-ablation --config=mtopt:state --run_name=routed \
      --config.dataset_dir=runs/detector/mtopt_detector/dataset/seed_5 \
      --config.detector_dir=runs/detector/mtopt_detector
  # collect only (e.g. two seeds, later trained on together: --config.dataset_dir=<dir 1>,<dir 2>)
  chef-mtopt-ablation --config=mtopt:state --run_name=data_s1 --config.seed=1 \
      --collect_only

Writes to <root_dir>/<run_name>/mtopt_ablation/: dataset/ (RLDS, when collected), dataset.md
(per task: episodes collected for it and their success rate), results.json (per-task rates, pool
sizes, low-data tasks, each QT-Opt cell's Q profile), table.md.
`decision_period` (control steps per agent decision) applies to collection, training and
evaluation alike; a reused dataset_dir must have been collected with the same period.
"""

import json

import numpy as np
import pandas as pd
from absl import flags, logging

from chef.launch import cli
from chef.launch import flags as launch_flags
from chef.mtopt import ablation, launch_setup
from chef.results.markdown import to_markdown
from chef.success import routing
from chef.utils import config as config_lib
from chef.utils import run_dir

_CONFIG = launch_flags.define_config("mtopt:state", "Ablation config.")
_COLLECT_ONLY = flags.DEFINE_bool(
    "collect_only",
    False,
    "Collect the bootstrap dataset into "
    "<root_dir>/<run_name>/mtopt_ablation/dataset and stop (reuse it, alone or with "
    "others, through --config.dataset_dir).",
)


def validate():
    config = _CONFIG.value
    setup = launch_setup.check(config)
    if config.detector_dir:
        config_lib.require(
            not config.extra_tasks, f"detector_dir labels the base tasks only, got extra_tasks {config.extra_tasks}"
        )
        config_lib.require(
            bool(config.dataset_dir), "detector_dir needs dataset_dir: episodes of that detector run's datasets"
        )
        config_lib.require(
            setup.grid.terminate_fraction == 0,
            "detector_dir with grid.terminate_fraction > 0: TERMINATE's examples need per-step labels, "
            "which a detector of final frames does not give",
        )
        try:
            stored = routing.load_detector(config.detector_dir, setup.family)
        except ValueError as e:
            raise config_lib.ConfigError(f"config.detector_dir: {e}") from e
        config_lib.require(
            (stored.decision_period, stored.episode_end) == (setup.decision_period, setup.grid.episode_end),
            f"detector_dir was collected with decision_period {stored.decision_period} and episode_end "
            f"{stored.episode_end!r}, this config has {setup.decision_period} and {setup.grid.episode_end!r}",
        )
    launch_flags.check_stage_dir("mtopt_ablation")


def main():
    config = _CONFIG.value
    stage = launch_flags.stage_dir("mtopt_ablation")
    stage.write_config(config)
    setup = launch_setup.from_config(config)
    family, qtopt, grid, period = setup.family, setup.qtopt, setup.grid, setup.decision_period
    env = launch_setup.make_env(config, setup)
    dataset_dirs = launch_setup.bootstrap_dataset(config, setup, env, stage.path / "dataset")
    table = launch_setup.load_table(dataset_dirs, setup)
    labelled_by = "predicates"
    if config.detector_dir:
        stored = routing.load_detector(config.detector_dir, family)
        table, comparison = routing.detector_table(table, stored, family)
        seen = int(np.isin(table.seeds, stored.training_seeds).sum())
        labelled_by = (
            f"the detector of {config.detector_dir} at the final step ({seen} of {len(table)} episodes "
            f"from its training seeds)"
        )
        if seen:
            logging.warning("%d episodes are from the detector's training seeds %s", seen, stored.training_seeds)
        logging.info("detector labels against the predicates:\n%s", comparison)
    collected = (
        f"## Collected data ({len(table)} episodes in {', '.join(dataset_dirs)}, labelled by {labelled_by})\n\n"
        f"{to_markdown(ablation.collected_success(table, family))}\n"
    )
    if config.detector_dir:
        collected += f"\n## Detector labels against the predicates\n\n{to_markdown(comparison)}\n"
    run_dir.atomic_write_text(stage.path / "dataset.md", collected)
    if _COLLECT_ONLY.value:
        stage.mark_done({"dataset_dirs": dataset_dirs, "num_episodes": len(table)})
        print(collected)
        return

    def write(results: dict, done: bool) -> str:
        results = {
            **results,
            "dataset_dirs": dataset_dirs,
            "num_episodes": len(table),
            "num_steps": int(table.lengths.sum()),
            "decision_period": period,
            "labelled_by": labelled_by,
            "complete": done,
        }
        run_dir.atomic_write_text(stage.path / "results.json", json.dumps(results, indent=2))
        summary = ablation.summary_table(results["rates"], results["low_data_tasks"])
        per_task = pd.DataFrame(results["rates"]).T
        text = (
            f"# MT-Opt ablation ({len(table)} episodes, {grid.num_steps} learner steps per cell, "
            f"decision period {period} control steps; skill_p = f_skill({grid.p_success}, {grid.p_failure}))"
            f"{'' if done else ' (partial)'}\n\n"
            f"{to_markdown(summary)}\n\nLow-data tasks: {', '.join(results['low_data_tasks'])}\n\n"
            f"## Success rate per task\n\n{to_markdown(per_task)}\n\n{collected}"
        )
        if results["q_profile"]:
            text += (
                f"\n## Q profile (chef.mtopt.q_profile, {ablation.PROFILE_BATCH_SIZE} pairs from each cell's "
                f"pools)\n\n{to_markdown(pd.DataFrame(results['q_profile']).T)}\n"
            )
        run_dir.atomic_write_text(stage.path / "table.md", text)
        return text

    results = ablation.run_grid(
        table, family, env, qtopt, grid, config.seed, on_cell=lambda partial: write(partial, done=False)
    )
    text = write(results, done=True)
    stage.mark_done({"cells": list(results["rates"])})
    print(text)


def run() -> None:
    """Console script entry point."""
    cli.run(main, validate)


if __name__ == "__main__":
    run()
