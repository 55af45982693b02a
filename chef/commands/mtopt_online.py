"""MT-Opt online loop: bootstrap data, then rounds of train, evaluate, collect with the learned policy.

  chef-mtopt-online --config=mtopt:state --run_name=online
  chef-mtopt-online --config=mtopt:tiny --run_name=smoke
  # after a cut run: continue after its last finished round (same config)
  chef-mtopt-online --config=mtopt:state --run_name=online --resume

Round k trains one QT-Opt learner (config.online: strategy / sampler, steps_per_round) on every
episode so far, continuing from round k-1's state, evaluates it per task, and collects
chains_per_round chains with it at epsilon (chef.mtopt.online). Writes to
<root_dir>/<run_name>/mtopt_online/:
  dataset/bootstrap/     scripted chains (RLDS; not written when config.dataset_dir is reused)
  dataset/round_<k>/     the chains collected with round k's policy
  checkpoints/step_<k>/  the learner state after round k's training (orbax; the newest two kept)
  results.json, results.md  one row per finished round, rewritten after every round
A round is finished once its row is in results.json. --resume discards what an unfinished round
left and continues after the last finished one; a finished round's data is never rewritten.
"""

import json
import pathlib
import shutil

import dm_env
import pandas as pd
from absl import logging

from chef.agents.qtopt.learning import QtOptLearner
from chef.launch import cli
from chef.launch import flags as launch_flags
from chef.mtopt import launch_setup, online, training
from chef.mtopt.episodes import EpisodeTable
from chef.results.markdown import to_markdown
from chef.stages import checkpoints
from chef.utils import config as config_lib
from chef.utils import run_dir

_CONFIG = launch_flags.define_config("mtopt:state", "Online MT-Opt config.")


def _round_dir(stage: run_dir.StageDir, round_index: int) -> pathlib.Path:
    return stage.path / "dataset" / f"round_{round_index}"


def _checkpoint_dir(stage: run_dir.StageDir) -> pathlib.Path:
    return stage.path / "checkpoints"


def _bootstrap(config, setup: launch_setup.LaunchSetup, env: dm_env.Environment, stage: run_dir.StageDir) -> list[str]:
    """The bootstrap dataset: reused, or collected anew (over what a cut collection left)."""
    directory = stage.path / "dataset" / "bootstrap"
    shutil.rmtree(directory, ignore_errors=True)
    return launch_setup.bootstrap_dataset(config, setup, env, directory)


def _discard_unfinished(stage: run_dir.StageDir, round_index: int) -> None:
    """Removes what an unfinished round left: its chains and its checkpoint."""
    for path in (_round_dir(stage, round_index), _checkpoint_dir(stage) / f"step_{round_index}"):
        shutil.rmtree(path, ignore_errors=True)


def _train(
    table: EpisodeTable,
    setup: launch_setup.LaunchSetup,
    online_config: online.OnlineConfig,
    env: dm_env.Environment,
    stage: run_dir.StageDir,
    round_index: int,
    seed: int,
    statistics: tuple,
) -> tuple[QtOptLearner, dict[str, float]]:
    """Round `round_index`'s learner, trained from round - 1's checkpoint; saves its own. Every round
    standardises inputs with the same `statistics` (of the bootstrap data)."""
    learner, _ = training.make_learner(
        table,
        setup.family,
        online_config.strategy,
        online_config.sampler,
        setup.qtopt,
        setup.grid,
        *training.q_action_bounds(env, setup.grid),
        seed,
        statistics=statistics,
    )
    if round_index > 1:
        previous = _checkpoint_dir(stage) / f"step_{round_index - 1}"
        learner.restore(checkpoints.restore(previous, learner.save()))
    metrics = training.train_learner(learner, online_config.steps_per_round, f"round {round_index}")
    checkpoints.save(_checkpoint_dir(stage), round_index, learner.save())
    return learner, metrics


def _write(stage: run_dir.StageDir, results: dict, online_config: online.OnlineConfig, done: bool) -> str:
    """results.json and results.md; returns the markdown."""
    run_dir.atomic_write_text(stage.path / "results.json", json.dumps({**results, "complete": done}, indent=2))
    rows = results["rounds"]
    text = (
        f"# MT-Opt online ({len(rows)} of {online_config.rounds} rounds; per round "
        f"{online_config.steps_per_round} learner steps, then {online_config.chains_per_round} chains at "
        f"epsilon {online_config.epsilon}, scripted fraction {online_config.scripted_fraction}; "
        f"{online_config.strategy} / {online_config.sampler}){'' if done else ' (partial)'}\n"
    )
    if rows:
        rates = pd.DataFrame({row["round"]: row["rates"] for row in rows}).T.rename_axis("round")
        text += (
            f"\n{to_markdown(online.rounds_table(rows))}\n## Success rate per task (CEM-greedy)\n\n{to_markdown(rates)}"
        )
    run_dir.atomic_write_text(stage.path / "results.md", text)
    return text


def validate():
    launch_setup.check(_CONFIG.value)
    config_lib.from_config(online.OnlineConfig, _CONFIG.value.online, where="online")
    launch_flags.check_stage_dir("mtopt_online")


def main():
    config = _CONFIG.value
    stage = launch_flags.stage_dir("mtopt_online")
    stage.write_config(config)
    online_config = config_lib.from_config(online.OnlineConfig, config.online, where="online")
    setup = launch_setup.from_config(config)
    env = launch_setup.make_env(config, setup)
    results_path = stage.path / "results.json"
    results = (
        json.loads(results_path.read_text())
        if results_path.exists()
        else {
            "bootstrap_dirs": _bootstrap(config, setup, env, stage),
            "decision_period": setup.decision_period,
            "rounds": [],
        }
    )
    directories = [*results["bootstrap_dirs"], *(_round_dir(stage, row["round"]) for row in results["rounds"])]
    first = len(results["rounds"]) + 1
    _discard_unfinished(stage, first)
    text = _write(stage, results, online_config, done=first > online_config.rounds)
    statistics = None
    for round_index in range(first, online_config.rounds + 1):
        seed = config.seed + round_index
        table = launch_setup.load_table(directories, setup)
        if statistics is None:
            statistics = training.vector_statistics(
                launch_setup.load_table(results["bootstrap_dirs"], setup), setup.qtopt
            )
        learner, metrics = _train(table, setup, online_config, env, stage, round_index, seed, statistics)
        rates = training.evaluate_learner(  # Every round from the same initial states: config.seed's.
            learner, env, setup.family, setup.qtopt, setup.grid, *training.q_action_bounds(env, setup.grid), config.seed
        )
        summaries = online.collect_round(
            _round_dir(stage, round_index),
            env,
            setup.family,
            learner,
            setup.qtopt,
            setup.grid,
            setup.collection,
            online_config,
            seed,
        )
        directories.append(_round_dir(stage, round_index))
        results["rounds"].append(online.round_row(round_index, table, learner, metrics, rates, summaries, setup.family))
        logging.info("round %d: %s", round_index, results["rounds"][-1])
        text = _write(stage, results, online_config, done=round_index == online_config.rounds)
    stage.mark_done({"rounds": len(results["rounds"])})
    print(text)


def run() -> None:
    """Console script entry point."""
    cli.run(main, validate)


if __name__ == "__main__":
    run()
