"""The MT-Opt data-sharing ablation (MT-Opt Table II) on one dataset with one budget.

Grid: impersonation (orig, all, skill, skill_p) x sampling (uniform, rebalanced),
where 'skill_p' is f_skill(p_s, p_f) with the grid's p_success / p_failure. Each
cell trains a fresh multi-task QT-Opt learner for `num_steps` on the same
episodes and is evaluated per task in the environment. The summary per cell
is the min / mean / max success over tasks and the mean over the low-data
tasks: the half of the tasks with the fewest successes among the episodes
collected for them. With `bc_steps`, a reference row trains per-task behaviour
cloning on the f_skill success pools (chef.mtopt.bc_reference). Each cell's learner, training
and evaluation are chef.mtopt.training's.
"""

import itertools
from typing import Callable, Sequence

import jax
import numpy as np
import pandas as pd
from absl import logging

from chef.agents.qtopt.config import QtOptConfig
from chef.agents.qtopt.learning import QtOptLearner
from chef.mtopt import bc_reference, q_profile, training
from chef.mtopt.episodes import EpisodeTable, TransitionBatches
from chef.mtopt.impersonation import pool_sizes
from chef.mtopt.rebalancing import UniformSampler
from chef.mtopt.tasks import TaskFamily

BC_CELL = "bc / skill successes"  # The reference row of `GridConfig.bc_steps`.


def collected_success(table: EpisodeTable, family: TaskFamily) -> pd.DataFrame:
    """Per task (rows, family order): the episodes collected for it ('collected'), how many of
    those succeeded at it ('own_successes', 'own_success_rate') and its successes over all
    episodes, whatever they were collected for ('any_successes': what impersonation can reuse)."""
    collected_for = np.asarray(table.collected_for)
    rows = {}
    for name in family.names:
        mine = collected_for == name
        labels = table.labels[:, family.task_id(name)]
        rows[name] = {
            "collected": int(mine.sum()),
            "own_successes": int(labels[mine].sum()),
            "own_success_rate": float(labels[mine].mean()) if mine.any() else float("nan"),
            "any_successes": int(labels.sum()),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def low_data_tasks(table: EpisodeTable, family: TaskFamily) -> tuple[str, ...]:
    """The half of the tasks with the fewest successes in the episodes collected for them."""
    counts = collected_success(table, family)["own_successes"]
    ranked = sorted(family.names, key=lambda name: (counts[name], family.task_id(name)))
    return tuple(ranked[: max(1, len(ranked) // 2)])


def train_cell(
    table: EpisodeTable,
    family: TaskFamily,
    strategy: str,
    sampler_name: str,
    qtopt: QtOptConfig,
    grid: training.GridConfig,
    action_min: np.ndarray,
    action_max: np.ndarray,
    seed: int,
) -> tuple[QtOptLearner, dict]:
    """Trains one cell; returns the learner and the pool sizes it trained on."""
    learner, sizes = training.make_learner(
        table, family, strategy, sampler_name, qtopt, grid, action_min, action_max, seed
    )
    training.train_learner(learner, grid.num_steps, f"{strategy}/{sampler_name}")
    return learner, sizes


PROFILE_BATCH_SIZE = 1024  # (state, task) pairs of a cell's Q profile.


def profile_cell(
    learner: QtOptLearner,
    table: EpisodeTable,
    family: TaskFamily,
    strategy: str,
    qtopt: QtOptConfig,
    grid: training.GridConfig,
    action_min: np.ndarray,
    action_max: np.ndarray,
    seed: int,
) -> dict[str, float]:
    """`q_profile` of the cell's Q on pairs drawn uniformly from the cell's pools."""
    pools = training.strategy_pools(table, family, strategy, grid, seed)
    rng = np.random.default_rng(seed)
    batch = next(
        TransitionBatches(
            table,
            UniformSampler(pools, rng),
            PROFILE_BATCH_SIZE,
            grid.gamma,
            rng,
            grid.terminate_fraction,
            grid.episode_end,
            grid.n_step,
        )
    )
    q_function = q_profile.network_q_function(learner.network, learner.get_variables(["q_network"])[0])
    return q_profile.q_profile(q_function, batch, action_min, action_max, qtopt.cem, jax.random.PRNGKey(seed))


def summary_table(rates: dict[str, dict[str, float]], low_data: Sequence[str]) -> pd.DataFrame:
    """Table II layout: one row per cell ('strategy / sampler'), min / mean / max over tasks and
    the mean over the low-data tasks."""
    rows = {
        cell: {
            "min": min(r.values()),
            "mean": float(np.mean(list(r.values()))),
            "max": max(r.values()),
            "low_data_mean": float(np.mean([r[t] for t in low_data])),
        }
        for cell, r in rates.items()
    }
    return pd.DataFrame.from_dict(rows, orient="index")


def run_grid(
    table: EpisodeTable,
    family: TaskFamily,
    env,
    qtopt: QtOptConfig,
    grid: training.GridConfig,
    seed: int,
    on_cell: Callable[[dict], None] | None = None,
) -> dict:
    """Trains and evaluates every cell; returns {'rates', 'pool_sizes', 'low_data_tasks', 'q_profile'}
    (q_profile: QT-Opt cells only).

    `on_cell`, if given, receives the results so far after each cell (for partial tables).
    """
    action_min, action_max = training.q_action_bounds(env, grid)
    rates, sizes, profiles = {}, {}, {}

    def results() -> dict:
        return {
            "rates": dict(rates),
            "pool_sizes": dict(sizes),
            "low_data_tasks": list(low_data_tasks(table, family)),
            "q_profile": dict(profiles),
        }

    def finished(cell: str) -> None:
        logging.info("%s: %s; Q profile %s", cell, rates[cell], profiles.get(cell))
        if on_cell is not None:
            on_cell(results())

    if grid.bc_steps:
        pools = training.strategy_pools(table, family, "skill", grid, seed)
        sizes[BC_CELL] = pool_sizes(pools)
        rates[BC_CELL] = bc_reference.filtered_bc_rates(
            table,
            family,
            pools,
            env,
            qtopt,
            grid.bc_steps,
            grid.bc_learning_rate,
            grid.eval_episodes,
            grid.pick_steps,
            grid.place_steps,
            grid.decision_period,
            *training.action_bounds(env),
            training.vector_statistics(table, qtopt),
            seed,
            grid.episode_end,
        )
        finished(BC_CELL)
    for strategy, sampler_name in itertools.product(grid.strategies, grid.samplers):
        cell = f"{strategy} / {sampler_name}"
        learner, sizes[cell] = train_cell(
            table, family, strategy, sampler_name, qtopt, grid, action_min, action_max, seed
        )
        profiles[cell] = profile_cell(learner, table, family, strategy, qtopt, grid, action_min, action_max, seed)
        rates[cell] = training.evaluate_learner(learner, env, family, qtopt, grid, action_min, action_max, seed)
        finished(cell)
    return results()
