"""How MT-Opt trains and evaluates a multi-task QT-Opt learner on an episode table.

Shared by the Table II grid (chef.mtopt.ablation), the online loop (chef.mtopt.online) and the
scripts: the training and evaluation settings (`GridConfig`, the config's `grid` section), the
data sharing of a strategy and a sampler, the QT-Opt builder for an environment's action box,
training, and per-task evaluation of the CEM-greedy policy. Task ids are the family's order
(`TaskFamily.task_id`): the Q-network's task input and the table's label columns.
"""

import dataclasses

import jax
import numpy as np
import tqdm
from absl import logging

from chef.agents.qtopt.builder import QtOptBuilder
from chef.agents.qtopt.config import QtOptConfig
from chef.agents.qtopt.learning import QtOptLearner
from chef.mtopt import collection, evaluation, terminate
from chef.mtopt.episodes import EpisodeTable, TransitionBatches
from chef.mtopt.impersonation import STRATEGIES, ImpersonationConfig, TaskPools, impersonate, pool_sizes
from chef.mtopt.rebalancing import RebalancedSampler, UniformSampler
from chef.mtopt.tasks import TaskFamily
from chef.networks import inputs
from chef.utils.config import require

SAMPLERS = ("uniform", "rebalanced")
GRID_STRATEGIES = (*STRATEGIES, "skill_p")  # 'skill_p': f_skill(p_success, p_failure).


@dataclasses.dataclass(frozen=True)
class GridConfig:
    """Training and evaluation settings; `strategies`, `samplers` and `bc_steps` choose the cells
    of the Table II grid (chef.mtopt.ablation)."""

    strategies: tuple[str, ...] = STRATEGIES
    samplers: tuple[str, ...] = SAMPLERS
    p_success: float = 1.0  # 'skill_p': keep an impersonated success with this probability,
    p_failure: float = 0.5  # and an impersonated failure with this one (MT-Opt: p_s = 1, p_f <= 1).
    num_steps: int = 2000  # Learner steps per cell.
    gamma: float = 0.9
    # Transitions per QT-Opt target (chef.data.nstep; 1 = QT-Opt's one-step target).
    n_step: int = 1
    success_fraction: float = 0.5  # Re-balanced sampler: successes per task's share.
    eval_episodes: int = 5  # Per task and cell.
    pick_steps: int = 300  # Control steps (20 Hz) per segment (benchmarks/mtopt_segments.py).
    place_steps: int = 150
    decision_period: int = 1  # Control steps per agent decision; must match the dataset's.
    # Reference row ablation.BC_CELL: per-task behaviour cloning on the f_skill success pools (0 = no row).
    bc_steps: int = 0
    bc_learning_rate: float = 1e-3
    # MT-Opt's TERMINATE action (chef.mtopt.terminate): the share of hindsight terminate examples per
    # batch; 0 = no TERMINATE action (episodes run to their step limit, judged at the last state).
    terminate_fraction: float = 0.0
    # Where episodes end in training targets and evaluation (collection.EPISODE_ENDS): 'success' (MT-Opt:
    # at the first success, success absorbing) or 'deadline' (judged at the step limit only).
    episode_end: str = "success"

    def __post_init__(self):
        require(
            set(self.strategies) <= set(GRID_STRATEGIES) and (self.strategies or self.bc_steps),
            f"strategies must be a subset of {GRID_STRATEGIES}, non-empty unless bc_steps > 0 (the BC row "
            f"alone), got {self.strategies}",
        )
        require(
            0.0 <= self.p_success <= 1.0 and 0.0 <= self.p_failure <= 1.0,
            f"p_success and p_failure must lie in [0, 1], got {self.p_success}, {self.p_failure}",
        )
        require(self.decision_period >= 1, f"decision_period must be >= 1, got {self.decision_period}")
        require(
            set(self.samplers) <= set(SAMPLERS) and self.samplers,
            f"samplers must be a non-empty subset of {SAMPLERS}, got {self.samplers}",
        )
        require(self.num_steps >= 1, f"num_steps must be >= 1, got {self.num_steps}")
        require(0.0 < self.gamma <= 1.0, f"gamma must lie in (0, 1], got {self.gamma}")
        require(self.n_step >= 1, f"n_step must be >= 1, got {self.n_step}")
        require(self.eval_episodes >= 1, f"eval_episodes must be >= 1, got {self.eval_episodes}")
        require(self.bc_steps >= 0, f"bc_steps must be >= 0, got {self.bc_steps}")
        require(self.bc_learning_rate > 0, f"bc_learning_rate must be > 0, got {self.bc_learning_rate}")
        require(
            0.0 <= self.terminate_fraction < 1.0,
            f"terminate_fraction must lie in [0, 1), got {self.terminate_fraction}",
        )
        require(
            self.episode_end in collection.EPISODE_ENDS,
            f"episode_end must be one of {collection.EPISODE_ENDS}, got {self.episode_end!r}",
        )

    @property
    def terminate(self) -> bool:
        """Whether Q has the TERMINATE switch."""
        return self.terminate_fraction > 0


def impersonation_config(strategy: str, grid: GridConfig) -> ImpersonationConfig:
    """The impersonation of a grid strategy ('skill_p': f_skill(p_success, p_failure))."""
    if strategy == "skill_p":
        return ImpersonationConfig("skill", grid.p_success, grid.p_failure)
    return ImpersonationConfig(strategy)


def strategy_pools(table: EpisodeTable, family: TaskFamily, strategy: str, grid: GridConfig, seed: int) -> TaskPools:
    """The table's episodes routed to tasks by a grid strategy; pools keyed in the family's order."""
    return impersonate(table.records(family), family, impersonation_config(strategy, grid), seed)


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


def qtopt_builder(
    qtopt: QtOptConfig, family: TaskFamily, action_min: np.ndarray, action_max: np.ndarray
) -> QtOptBuilder:
    """The QT-Opt builder for `family`'s tasks (one task id per family task) on the Q action box [A]."""
    require(
        qtopt.num_tasks == len(family),
        f"qtopt.num_tasks must be the family's {len(family)} tasks, got {qtopt.num_tasks}",
    )
    return QtOptBuilder(qtopt, action_min, action_max)


def make_learner(
    table: EpisodeTable,
    family: TaskFamily,
    strategy: str,
    sampler_name: str,
    qtopt: QtOptConfig,
    grid: GridConfig,
    action_min: np.ndarray,
    action_max: np.ndarray,
    seed: int,
    statistics: tuple | None = None,
) -> tuple[QtOptLearner, dict]:
    """A fresh learner on the batches of one strategy and sampler; returns it and the pool sizes it
    trains on. `statistics`: input standardisation (default: `vector_statistics(table)`)."""
    pools = strategy_pools(table, family, strategy, grid, seed)
    rng = np.random.default_rng(seed)
    sampler = (
        RebalancedSampler(pools, grid.success_fraction, rng)
        if sampler_name == "rebalanced"
        else UniformSampler(pools, rng)
    )
    batches = TransitionBatches(
        table, sampler, qtopt.batch_size, grid.gamma, rng, grid.terminate_fraction, grid.episode_end, grid.n_step
    )
    builder = qtopt_builder(qtopt, family, action_min, action_max)
    network = builder.make_network(statistics or vector_statistics(table, qtopt))
    example = {k: v[0] for k, v in table.observations.items()}
    learner = builder.make_learner(network, batches, example, jax.random.PRNGKey(seed))
    return learner, pool_sizes(pools)


def train_learner(learner: QtOptLearner, num_steps: int, name: str) -> dict[str, float]:
    """Runs `num_steps` learner steps; returns the last step's metrics (q_mean, target_mean, ...)."""
    for _ in tqdm.trange(num_steps, desc=f"qtopt {name}", leave=False):
        metrics = learner.step()
    final = {k: float(v) for k, v in jax.device_get(metrics).items()}
    logging.info("%s final metrics: %s", name, final)
    return final


def evaluate_learner(
    learner: QtOptLearner,
    env,
    family: TaskFamily,
    qtopt: QtOptConfig,
    grid: GridConfig,
    action_min: np.ndarray,
    action_max: np.ndarray,
    seed: int,
) -> dict[str, float]:
    """Success rate per task of the learner's CEM-greedy policy (epsilon 0), from the initial states
    of evaluation seed `seed` (`evaluation.episode_seed`: per task, the same for every cell)."""
    actor = qtopt_builder(qtopt, family, action_min, action_max).make_actor(
        learner.network, learner, task_id=0, epsilon=0.0, seed=seed
    )
    rates = {}
    for task in tqdm.tqdm(family.names, desc="qtopt evaluation (tasks)", leave=False):
        rates[task] = float(np.mean(evaluate_actor(actor, env, family, task, grid, grid.eval_episodes, seed)))
    return rates


def evaluate_actor(
    actor, env, family: TaskFamily, task: str, grid: GridConfig, num_episodes: int, seed: int
) -> list[bool]:
    """Success of a `QtOptActor`'s CEM-greedy policy for `task` in each of `num_episodes` episodes,
    from the initial states of evaluation seed `seed` (`evaluation.episode_seed`)."""
    actor.task_id = family.task_id(task)
    return evaluation.evaluate_task(
        env,
        actor.select_action,
        family,
        task,
        num_episodes,
        grid.pick_steps,
        grid.place_steps,
        grid.decision_period,
        grid.terminate,
        grid.episode_end,
        seed,
    )
