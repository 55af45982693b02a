"""Samplers over impersonated task pools: MT-Opt re-balancing and a uniform baseline.

A sampler draws (episode, task) pairs from `TaskPools`; the caller then picks
transitions of those episodes and relabels their reward for that task. Task
ids are positions in the pools' key order (the family's order when the pools
come from `chef.mtopt.impersonation`).

Re-balancing rule, for a batch of B pairs over the n tasks whose pools hold
any episode (tasks with both pools empty are left out):
  - every task gets B // n pairs; the B % n left over go to distinct tasks
    drawn at random for each batch;
  - a task's c pairs hold round_half_up(c * success_fraction) successes and
    the rest failures; a task with an empty success pool takes all c from its
    failures, one with an empty failure pool all c from its successes;
  - episodes are drawn uniformly with replacement inside a pool.
Pairs come grouped by task, successes before failures.
"""

import math
from typing import NamedTuple, Protocol

import numpy as np

from chef.mtopt.impersonation import EpisodeId, Outcome, TaskPools


class SampledPairs(NamedTuple):
    episode_ids: np.ndarray  # [B] ids from the pools
    task_ids: np.ndarray  # [B] int32 position of the task in the pools
    success: np.ndarray  # [B] bool, the episode is a success for that task


class PairSampler(Protocol):
    def sample(self, batch_size: int) -> SampledPairs:
        """Draws `batch_size` (episode, task) pairs."""


def _check_fraction(success_fraction: float) -> None:
    if not 0.0 <= success_fraction <= 1.0:
        raise ValueError(f"success_fraction must lie in [0, 1], got {success_fraction}")


def _check_batch_size(batch_size: int) -> None:
    if batch_size < 1:
        raise ValueError(f"batch_size must be positive, got {batch_size}")


def success_count(count: int, success_fraction: float, num_successes: int, num_failures: int) -> int:
    """How many of a task's `count` pairs are successes (see the module rule)."""
    if num_successes == 0:
        return 0
    if num_failures == 0:
        return count
    return math.floor(count * success_fraction + 0.5)


def rebalanced_weights(pools: TaskPools, success_fraction: float = 0.5) -> dict[tuple[str, Outcome], float]:
    """Expected share of each (task, outcome) in a re-balanced stream (sums to 1).

    The per-element form of the module rule, for mixing per-pool datasets with
    fixed weights (`chef.mtopt.tf_data.rebalanced_mixture`).
    """
    _check_fraction(success_fraction)
    active = [t for t, pool in pools.items() if pool["success"] or pool["failure"]]
    if not active:
        raise ValueError("All task pools are empty; nothing to sample.")
    weights = {}
    for task in active:
        num_s, num_f = len(pools[task]["success"]), len(pools[task]["failure"])
        share_s = 0.0 if num_s == 0 else (1.0 if num_f == 0 else success_fraction)
        weights[(task, "success")] = share_s / len(active)
        weights[(task, "failure")] = (1.0 - share_s) / len(active)
    return weights


class RebalancedSampler:
    """Equal share per task, fixed success / failure ratio within a task."""

    def __init__(self, pools: TaskPools, success_fraction: float = 0.5, rng: np.random.Generator | None = None):
        _check_fraction(success_fraction)
        self._pools = {t: {o: list(ids) for o, ids in pool.items()} for t, pool in pools.items()}
        self._task_ids = {t: i for i, t in enumerate(pools)}
        self._active = [t for t, pool in self._pools.items() if pool["success"] or pool["failure"]]
        if not self._active:
            raise ValueError("All task pools are empty; nothing to sample.")
        self._success_fraction = success_fraction
        self._rng = rng if rng is not None else np.random.default_rng()

    @property
    def active_tasks(self) -> tuple[str, ...]:
        return tuple(self._active)

    def _draw(self, ids: list[EpisodeId], count: int) -> list[EpisodeId]:
        return [ids[i] for i in self._rng.integers(0, len(ids), size=count)]

    def sample(self, batch_size: int) -> SampledPairs:
        _check_batch_size(batch_size)
        n = len(self._active)
        counts = np.full(n, batch_size // n)
        counts[self._rng.choice(n, size=batch_size % n, replace=False)] += 1
        episodes, tasks, success = [], [], []
        for task, count in zip(self._active, counts):
            pool = self._pools[task]
            num_s = success_count(int(count), self._success_fraction, len(pool["success"]), len(pool["failure"]))
            episodes += self._draw(pool["success"], num_s) + self._draw(pool["failure"], int(count) - num_s)
            tasks += [self._task_ids[task]] * int(count)
            success += [True] * num_s + [False] * (int(count) - num_s)
        return SampledPairs(np.asarray(episodes), np.asarray(tasks, np.int32), np.asarray(success, bool))


class UniformSampler:
    """Baseline: uniform over all (episode, task) entries of all pools."""

    def __init__(self, pools: TaskPools, rng: np.random.Generator | None = None):
        self._entries = [
            (episode, task_id, outcome == "success")
            for task_id, pool in enumerate(pools.values())
            for outcome, ids in pool.items()
            for episode in ids
        ]
        if not self._entries:
            raise ValueError("All task pools are empty; nothing to sample.")
        self._rng = rng if rng is not None else np.random.default_rng()

    def sample(self, batch_size: int) -> SampledPairs:
        _check_batch_size(batch_size)
        picked = [self._entries[i] for i in self._rng.integers(0, len(self._entries), size=batch_size)]
        episodes, tasks, success = zip(*picked)
        return SampledPairs(np.asarray(episodes), np.asarray(tasks, np.int32), np.asarray(success, bool))
