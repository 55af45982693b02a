"""The MT-Opt data-sharing ablation (MT-Opt Table II) on one dataset with one budget.

Grid: impersonation (orig, all, skill, skill_p) x sampling (uniform, rebalanced),
where 'skill_p' is f_skill(p_s, p_f) with the grid's p_success / p_failure. Each
cell trains a fresh multi-task QT-Opt learner for `num_steps` on the same
episodes and is evaluated per task in the environment. The summary per cell
is the min / mean / max success over tasks and the mean over the low-data
tasks: the half of the tasks with the fewest successes among the episodes
collected for them. With `bc_steps`, a reference row trains per-task behaviour
cloning on the f_skill success pools (chef.mtopt.bc_reference).
"""
import dataclasses
import itertools
from typing import Callable, Sequence

import jax
import numpy as np
import pandas as pd
import tqdm
from absl import logging

from chef.agents.qtopt.actor import QtOptActor
from chef.agents.qtopt.config import QtOptConfig
from chef.agents.qtopt.learning import QtOptLearner
from chef.mtopt import bc_reference, collection, evaluation, q_profile, terminate
from chef.mtopt.episodes import EpisodeTable, TransitionBatches
from chef.mtopt.impersonation import STRATEGIES, ImpersonationConfig, impersonate, pool_sizes
from chef.mtopt.rebalancing import RebalancedSampler, UniformSampler
from chef.mtopt.tasks import TaskFamily
from chef.networks import inputs
from chef.utils.config import require

SAMPLERS = ("uniform", "rebalanced")
GRID_STRATEGIES = (*STRATEGIES, "skill_p")  # 'skill_p': f_skill(p_success, p_failure).
BC_CELL = "bc / skill successes"  # The reference row of `GridConfig.bc_steps`.


@dataclasses.dataclass(frozen=True)
class GridConfig:
    strategies: tuple[str, ...] = STRATEGIES
    samplers: tuple[str, ...] = SAMPLERS
    p_success: float = 1.0  # 'skill_p': keep an impersonated success with this probability,
    p_failure: float = 0.5  # and an impersonated failure with this one (MT-Opt: p_s = 1, p_f <= 1).
    num_steps: int = 2000  # Learner steps per cell.
    gamma: float = 0.9
    success_fraction: float = 0.5  # Re-balanced sampler: successes per task's share.
    eval_episodes: int = 5  # Per task and cell.
    pick_steps: int = 150  # Control steps (20 Hz) per segment.
    place_steps: int = 150
    decision_period: int = 1  # Control steps per agent decision; must match the dataset's.
    # Reference row BC_CELL: per-task behaviour cloning on the f_skill success pools (0 = no row).
    bc_steps: int = 0
    bc_learning_rate: float = 1e-3
    # MT-Opt's TERMINATE action (chef.mtopt.terminate): the share of hindsight terminate examples per
    # batch; 0 = no TERMINATE action (episodes run to their step limit, judged at the last state).
    terminate_fraction: float = 0.0
    # Where episodes end in training targets and evaluation (collection.EPISODE_ENDS): 'success' (MT-Opt:
    # at the first success, success absorbing) or 'deadline' (judged at the step limit only).
    episode_end: str = "success"

    def __post_init__(self):
        require(set(self.strategies) <= set(GRID_STRATEGIES) and (self.strategies or self.bc_steps),
                f"strategies must be a subset of {GRID_STRATEGIES}, non-empty unless bc_steps > 0 (the BC row "
                f"alone), got {self.strategies}")
        require(0.0 <= self.p_success <= 1.0 and 0.0 <= self.p_failure <= 1.0,
                f"p_success and p_failure must lie in [0, 1], got {self.p_success}, {self.p_failure}")
        require(self.decision_period >= 1, f"decision_period must be >= 1, got {self.decision_period}")
        require(set(self.samplers) <= set(SAMPLERS) and self.samplers,
                f"samplers must be a non-empty subset of {SAMPLERS}, got {self.samplers}")
        require(self.num_steps >= 1, f"num_steps must be >= 1, got {self.num_steps}")
        require(0.0 < self.gamma <= 1.0, f"gamma must lie in (0, 1], got {self.gamma}")
        require(self.eval_episodes >= 1, f"eval_episodes must be >= 1, got {self.eval_episodes}")
        require(self.bc_steps >= 0, f"bc_steps must be >= 0, got {self.bc_steps}")
        require(self.bc_learning_rate > 0, f"bc_learning_rate must be > 0, got {self.bc_learning_rate}")
        require(0.0 <= self.terminate_fraction < 1.0,
                f"terminate_fraction must lie in [0, 1), got {self.terminate_fraction}")
        require(self.episode_end in collection.EPISODE_ENDS,
                f"episode_end must be one of {collection.EPISODE_ENDS}, got {self.episode_end!r}")

    @property
    def terminate(self) -> bool:
        """Whether Q has the TERMINATE switch."""
        return self.terminate_fraction > 0


def low_data_tasks(table: EpisodeTable, family: TaskFamily) -> tuple[str, ...]:
    """The half of the tasks with the fewest successes in the episodes collected for them."""
    counts = {name: int(sum(table.labels[i, t] for i, task in enumerate(table.collected_for) if task == name))
              for t, name in enumerate(family.names)}
    ranked = sorted(family.names, key=lambda name: (counts[name], family.task_id(name)))
    return tuple(ranked[:max(1, len(ranked) // 2)])


def impersonation_config(strategy: str, grid: GridConfig) -> ImpersonationConfig:
    """The impersonation of a grid strategy ('skill_p': f_skill(p_success, p_failure))."""
    if strategy == "skill_p":
        return ImpersonationConfig("skill", grid.p_success, grid.p_failure)
    return ImpersonationConfig(strategy)


def action_bounds(env) -> tuple[np.ndarray, np.ndarray]:
    """The environment's action box (min [A], max [A]) as float32."""
    spec = env.action_spec()
    return np.asarray(spec.minimum, np.float32), np.asarray(spec.maximum, np.float32)


def q_action_bounds(env, grid: GridConfig) -> tuple[np.ndarray, np.ndarray]:
    """The box of the Q-function's actions: the environment's, with the TERMINATE switch appended
    when `grid.terminate` ([A] or [A + 1] each)."""
    bounds = action_bounds(env)
    return terminate.q_action_bounds(*bounds) if grid.terminate else bounds


def vector_statistics(table: EpisodeTable, qtopt: QtOptConfig) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Per-feature (mean, std) of the table's vector observations: every learner standardises its inputs
    with them (positions vary by centimetres next to a finger reading of 0-255)."""
    return inputs.vector_statistics(table.observations, qtopt.observation_keys)


def make_cell_learner(table: EpisodeTable, family: TaskFamily, strategy: str, sampler_name: str,
                      qtopt: QtOptConfig, grid: GridConfig, action_min: np.ndarray, action_max: np.ndarray,
                      seed: int, statistics: tuple | None = None) -> tuple[QtOptLearner, dict]:
    """A fresh learner on one cell's batches; returns it and the pool sizes it trains on.
    `statistics`: input standardisation (default: `vector_statistics(table)`)."""
    pools = impersonate(table.records(family), family, impersonation_config(strategy, grid), seed)
    rng = np.random.default_rng(seed)
    sampler = (RebalancedSampler(pools, grid.success_fraction, rng) if sampler_name == "rebalanced"
               else UniformSampler(pools, rng))
    batches = TransitionBatches(table, sampler, qtopt.batch_size, grid.gamma, rng, grid.terminate_fraction,
                                grid.episode_end)
    example = {k: v[0] for k, v in table.observations.items()}
    learner = QtOptLearner(qtopt, batches, example, action_min, action_max, jax.random.PRNGKey(seed),
                           vector_statistics=statistics or vector_statistics(table, qtopt))
    return learner, pool_sizes(pools)


def train_learner(learner: QtOptLearner, num_steps: int, name: str) -> dict[str, float]:
    """Runs `num_steps` learner steps; returns the last step's metrics (q_mean, target_mean, ...)."""
    for _ in tqdm.trange(num_steps, desc=f"qtopt {name}", leave=False):
        metrics = learner.step()
    final = {k: float(v) for k, v in jax.device_get(metrics).items()}
    logging.info("%s final metrics: %s", name, final)
    return final


def train_cell(table: EpisodeTable, family: TaskFamily, strategy: str, sampler_name: str,
               qtopt: QtOptConfig, grid: GridConfig, action_min: np.ndarray, action_max: np.ndarray,
               seed: int) -> tuple[QtOptLearner, dict]:
    """Trains one cell; returns the learner and the pool sizes it trained on."""
    learner, sizes = make_cell_learner(table, family, strategy, sampler_name, qtopt, grid, action_min, action_max,
                                       seed)
    train_learner(learner, grid.num_steps, f"{strategy}/{sampler_name}")
    return learner, sizes


PROFILE_BATCH_SIZE = 1024  # (state, task) pairs of a cell's Q profile.


def profile_cell(learner: QtOptLearner, table: EpisodeTable, family: TaskFamily, strategy: str, qtopt: QtOptConfig,
                 grid: GridConfig, action_min: np.ndarray, action_max: np.ndarray, seed: int) -> dict[str, float]:
    """`q_profile` of the cell's Q on pairs drawn uniformly from the cell's pools."""
    pools = impersonate(table.records(family), family, impersonation_config(strategy, grid), seed)
    rng = np.random.default_rng(seed)
    batch = next(TransitionBatches(table, UniformSampler(pools, rng), PROFILE_BATCH_SIZE, grid.gamma, rng,
                                   grid.terminate_fraction, grid.episode_end))
    q_function = q_profile.network_q_function(learner.network, learner.get_variables(["q_network"])[0])
    return q_profile.q_profile(q_function, batch, action_min, action_max, qtopt.cem, jax.random.PRNGKey(seed))


def evaluate_cell(learner: QtOptLearner, env, family: TaskFamily, qtopt: QtOptConfig, grid: GridConfig,
                  action_min: np.ndarray, action_max: np.ndarray, seed: int) -> dict[str, float]:
    """Success rate per task of the CEM-greedy policy (epsilon 0)."""
    actor = QtOptActor(learner.network, learner, action_min, action_max, qtopt.cem, task_id=0, epsilon=0.0,
                       seed=seed)
    rates = {}
    for task in family.names:
        actor.task_id = family.task_id(task)
        outcomes = evaluation.evaluate_task(env, actor.select_action, family, task, grid.eval_episodes,
                                            grid.pick_steps, grid.place_steps, grid.decision_period,
                                            grid.terminate, grid.episode_end)
        rates[task] = float(np.mean(outcomes))
    return rates


def summary_table(rates: dict[str, dict[str, float]], low_data: Sequence[str]) -> pd.DataFrame:
    """Table II layout: one row per cell ('strategy / sampler'), min / mean / max over tasks and
    the mean over the low-data tasks."""
    rows = {cell: {"min": min(r.values()), "mean": float(np.mean(list(r.values()))), "max": max(r.values()),
                   "low_data_mean": float(np.mean([r[t] for t in low_data]))} for cell, r in rates.items()}
    return pd.DataFrame.from_dict(rows, orient="index")


def run_grid(table: EpisodeTable, family: TaskFamily, env, qtopt: QtOptConfig, grid: GridConfig,
             seed: int, on_cell: Callable[[dict], None] | None = None) -> dict:
    """Trains and evaluates every cell; returns {'rates', 'pool_sizes', 'low_data_tasks', 'q_profile'}
    (q_profile: QT-Opt cells only).

    `on_cell`, if given, receives the results so far after each cell (for partial tables).
    """
    action_min, action_max = q_action_bounds(env, grid)
    rates, sizes, profiles = {}, {}, {}

    def results() -> dict:
        return {"rates": dict(rates), "pool_sizes": dict(sizes), "low_data_tasks": list(low_data_tasks(table, family)),
                "q_profile": dict(profiles)}

    def finished(cell: str) -> None:
        logging.info("%s: %s; Q profile %s", cell, rates[cell], profiles.get(cell))
        if on_cell is not None:
            on_cell(results())

    if grid.bc_steps:
        pools = impersonate(table.records(family), family, impersonation_config("skill", grid), seed)
        sizes[BC_CELL] = pool_sizes(pools)
        rates[BC_CELL] = bc_reference.filtered_bc_rates(
            table, family, pools, env, qtopt, grid.bc_steps, grid.bc_learning_rate, grid.eval_episodes,
            grid.pick_steps, grid.place_steps, grid.decision_period, *action_bounds(env),
            vector_statistics(table, qtopt), seed, grid.episode_end)
        finished(BC_CELL)
    for strategy, sampler_name in itertools.product(grid.strategies, grid.samplers):
        cell = f"{strategy} / {sampler_name}"
        learner, sizes[cell] = train_cell(table, family, strategy, sampler_name, qtopt, grid, action_min,
                                          action_max, seed)
        profiles[cell] = profile_cell(learner, table, family, strategy, qtopt, grid, action_min, action_max, seed)
        rates[cell] = evaluate_cell(learner, env, family, qtopt, grid, action_min, action_max, seed)
        finished(cell)
    return results()
