"""Filtered behaviour cloning per task: a sanity bound for the ablation's QT-Opt cells.

Each task gets a one-head Gaussian policy (chef.agents.bc) trained on the steps of the episodes
in its success pool, with actions mapped from the environment's box to [-1, 1]. Its mean acts in
the same per-task evaluation as the QT-Opt cells, so a cell far below this row points at the
Q-learning, not at the data or the evaluation. A task whose pool holds no success scores 0.
"""

from typing import Iterator, Sequence

import jax
import numpy as np
import tqdm

from chef import types, wrappers
from chef.agents.bc.config import BCConfig
from chef.agents.bc.learning import BCLearner
from chef.agents.qtopt.config import QtOptConfig
from chef.mtopt import evaluation
from chef.mtopt.episodes import EpisodeTable
from chef.mtopt.impersonation import EpisodeId, TaskPools
from chef.mtopt.tasks import TaskFamily
from chef.networks import multitask


class SuccessSteps(Iterator[types.Transition]):
    """Endless batches (observation, action in [-1, 1]) drawn uniformly from the steps of
    `episodes` that have an action (every step but an episode's last)."""

    def __init__(
        self,
        table: EpisodeTable,
        episodes: Sequence[EpisodeId],
        batch_size: int,
        action_min: np.ndarray,
        action_max: np.ndarray,
        rng: np.random.Generator,
    ):
        if not episodes:
            raise ValueError("SuccessSteps needs at least one episode")
        self._table, self._batch_size, self._rng = table, batch_size, rng
        self._box = np.asarray(action_min, np.float32), np.asarray(action_max, np.float32)
        self._steps = np.concatenate([table.starts[e] + np.arange(table.lengths[e] - 1) for e in map(int, episodes)])

    def __next__(self) -> types.Transition:
        index = self._steps[self._rng.integers(0, len(self._steps), self._batch_size)]  # [B]
        action = wrappers.to_canonical_units(self._table.actions[index], *self._box)  # [B, A]
        observation = {k: v[index] for k, v in self._table.observations.items()}
        return types.Transition(observation, action, (), (), {})


class MeanPolicy:
    """Acts with a one-head policy's mean, clipped to [-1, 1] and mapped back to the action box."""

    def __init__(
        self, policy: multitask.PolicyNetwork, params: types.Params, action_min: np.ndarray, action_max: np.ndarray
    ):
        self._apply = jax.jit(policy.apply)
        self._params, self._keys = params, tuple(policy.config.observation_keys)
        self._box = np.asarray(action_min, np.float32), np.asarray(action_max, np.float32)

    def __call__(self, observation: types.Observation) -> np.ndarray:
        mean, _ = self._apply(self._params, {k: np.asarray(observation[k])[None] for k in self._keys})  # [1, 1, A]
        return wrappers.to_environment_units(np.asarray(mean)[0, 0], *self._box)


def train_task_policy(
    table: EpisodeTable,
    episodes: Sequence[EpisodeId],
    qtopt: QtOptConfig,
    num_steps: int,
    learning_rate: float,
    action_min: np.ndarray,
    action_max: np.ndarray,
    statistics: tuple[Sequence[float], Sequence[float]],
    seed: int,
    name: str = "bc",
) -> MeanPolicy:
    """Behaviour cloning on the steps of `episodes`, with the QT-Opt torso's observation keys and sizes
    and its input standardisation `statistics` (mean, std) [F]."""
    mean, std = (tuple(map(float, v)) for v in statistics)
    network = multitask.NetworkConfig(
        observation_keys=tuple(qtopt.observation_keys),
        torso_hidden_sizes=tuple(qtopt.torso_hidden_sizes),
        head_hidden_sizes=tuple(qtopt.head_hidden_sizes),
        vector_mean=mean,
        vector_std=std,
    )
    policy, _ = multitask.make_networks(network, 1, len(action_min))
    steps = SuccessSteps(table, episodes, qtopt.batch_size, action_min, action_max, np.random.default_rng(seed))
    example = {k: table.observations[k][:1] for k in network.observation_keys}  # [1, ...]
    learner = BCLearner(
        policy, BCConfig(network, learning_rate=learning_rate), (name,), example, steps, jax.random.PRNGKey(seed)
    )
    for _ in tqdm.trange(num_steps, desc=f"bc {name}", leave=False):
        learner.step()
    return MeanPolicy(policy, learner.get_variables(["policy"])[0], action_min, action_max)


def filtered_bc_rates(
    table: EpisodeTable,
    family: TaskFamily,
    pools: TaskPools,
    env,
    qtopt: QtOptConfig,
    num_steps: int,
    learning_rate: float,
    eval_episodes: int,
    pick_steps: int,
    place_steps: int,
    decision_period: int,
    action_min: np.ndarray,
    action_max: np.ndarray,
    statistics: tuple[Sequence[float], Sequence[float]],
    seed: int,
    episode_end: str = "success",
) -> dict[str, float]:
    """Success rate per task of BC on that task's success pool (evaluated as `evaluation.evaluate_task`)."""
    rates = {}
    for task in family.names:
        successes = pools[task]["success"]
        if not successes:
            rates[task] = 0.0
            continue
        policy = train_task_policy(
            table, successes, qtopt, num_steps, learning_rate, action_min, action_max, statistics, seed, name=task
        )
        outcomes = evaluation.evaluate_task(
            env,
            policy,
            family,
            task,
            eval_episodes,
            pick_steps,
            place_steps,
            decision_period,
            episode_end=episode_end,
            seed=seed,
        )
        rates[task] = float(np.mean(outcomes))
    return rates
