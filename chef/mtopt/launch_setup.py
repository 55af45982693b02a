"""What the MT-Opt launchers build from a chef/configs/mtopt.py config ('state', 'tiny').

The validated collection, QT-Opt and grid configs, all at the config's `decision_period` and
`episode_end`;
the environment, long enough for a whole chain; the bootstrap dataset (collected, or reused
from `dataset_dir`); and episode tables, checked against the decision period.
"""

import dataclasses
import os

import dm_env
import ml_collections
from absl import logging

import rgb_stacking_env
from chef.agents.qtopt.config import QtOptConfig
from chef.data import layout, rlds_reader
from chef.mtopt import collection, decisions, episodes, rgb_tasks
from chef.mtopt.tasks import TaskFamily
from chef.mtopt.training import GridConfig
from chef.utils import config as config_lib
from rgb_stacking_env.environment import ACTION_NAMES


@dataclasses.dataclass(frozen=True)
class LaunchSetup:
    family: TaskFamily  # The base family plus config.extra_tasks.
    collection: collection.CollectionConfig
    qtopt: QtOptConfig
    grid: GridConfig

    @property
    def decision_period(self) -> int:
        return self.grid.decision_period


def from_config(config: ml_collections.ConfigDict) -> LaunchSetup:
    """The validated configs of `config`."""
    family = rgb_tasks.rgb_task_family(tuple(config.extra_tasks))
    period = int(config.decision_period)
    shared = {"decision_period": period, "episode_end": config.get("episode_end", "success")}
    collect_config = config_lib.from_config(
        collection.CollectionConfig, {**config_lib.to_dict(config.collection), **shared}, where="collection"
    )
    qtopt = config_lib.from_config(
        QtOptConfig, {**config_lib.to_dict(config.qtopt), "num_tasks": len(family)}, where="qtopt"
    )
    grid = config_lib.from_config(GridConfig, {**config_lib.to_dict(config.grid), **shared}, where="grid")
    if grid.terminate:  # The switch after the environment's actions: CEM tries only its bounds.
        cem = dataclasses.replace(qtopt.cem, binary_dims=(*qtopt.cem.binary_dims, len(ACTION_NAMES)))
        qtopt = dataclasses.replace(qtopt, cem=cem)
    return LaunchSetup(family, collect_config, qtopt, grid)


def check(config: ml_collections.ConfigDict) -> LaunchSetup:
    """`from_config` plus the environment and the reused datasets (`config.dataset_dir`), creating nothing."""
    setup = from_config(config)
    config_lib.from_config(rgb_stacking_env.environment.EnvConfig, config.env, where="env")
    for directory in (d.strip() for d in config.dataset_dir.split(",") if d.strip()):
        layout.load_layout(directory)
    return setup


def make_env(config: ml_collections.ConfigDict, setup: LaunchSetup) -> dm_env.Environment:
    """The config's environment, long enough for a chain of collection or of evaluation."""
    c, g = setup.collection, setup.grid
    episode_length = max(c.pick_steps + c.place_steps, g.pick_steps + g.place_steps)
    return rgb_stacking_env.make(**config.env, seed=config.seed, episode_length=episode_length)


def bootstrap_dataset(
    config: ml_collections.ConfigDict, setup: LaunchSetup, env: dm_env.Environment, directory: str | os.PathLike
) -> list[str]:
    """The directories of `config.dataset_dir` (comma-separated) if set, else [`directory`] after
    collecting the scripted chains into it."""
    if config.dataset_dir:
        return [d.strip() for d in config.dataset_dir.split(",") if d.strip()]
    # Labels are stored for the base family; loading relabels the episodes for the extra tasks.
    collection.collect_dataset(directory, env, rgb_tasks.rgb_task_family(), setup.collection, config.seed)
    return [str(directory)]


def load_table(directories: rlds_reader.Directories, setup: LaunchSetup) -> episodes.EpisodeTable:
    """Every episode of `directories`; refuses episodes longer than the decision period allows."""
    table = episodes.load_episodes(directories, setup.family, setup.qtopt.observation_keys)
    c = setup.collection
    longest = decisions.num_decisions(max(c.pick_steps, c.place_steps), setup.decision_period) + 1
    if table.lengths.max() > longest:
        raise ValueError(
            f"{directories} has episodes of {table.lengths.max()} steps, more than the {longest} of "
            f"decision_period {setup.decision_period}; was it collected with a shorter decision "
            f"period?"
        )
    logging.info("%d episodes; successes per task: %s", len(table), dict(zip(setup.family.names, table.labels.sum(0))))
    return table
