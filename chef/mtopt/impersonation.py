"""MT-Opt task impersonation: route whole episodes to the tasks they can train.

An episode collected for task T_i is relabelled as an episode of task T_k
(reward = T_k's success label) for every T_k the impersonation function
selects, and lands in T_k's success or failure pool:
  f_orig   only T_i (no sharing);
  f_all    every task;
  f_skill  the tasks of T_i's skill;
  f_skill(p_s, p_f)  as f_skill, but an impersonated copy (T_k != T_i) is kept
           with probability p_s if it is a success for T_k and p_f if a failure.
Labels come from success detectors or simulator predicates alike: each
`EpisodeRecord` carries a success flag per task.
"""

import dataclasses
from typing import Callable, Hashable, Iterable, Literal, Mapping, Sequence

import numpy as np

from chef.mtopt.tasks import TaskFamily
from chef.utils.config import require

EpisodeId = Hashable
Outcome = Literal["success", "failure"]
OUTCOMES: tuple[Outcome, Outcome] = ("success", "failure")
TaskPools = dict[str, dict[Outcome, list[EpisodeId]]]
"""{task: {'success': [episode ids], 'failure': [episode ids]}}, every task present."""

STRATEGIES = ("orig", "all", "skill")


@dataclasses.dataclass(frozen=True)
class EpisodeRecord:
    """What impersonation needs to know about one episode."""

    episode_id: EpisodeId
    collected_for: str  # The task the episode was collected for.
    success: Mapping[str, bool]  # Success label per task (detector or predicate).


@dataclasses.dataclass(frozen=True)
class ImpersonationConfig:
    """Strategy 'orig' | 'all' | 'skill'; p_success / p_failure apply to 'skill'."""

    strategy: str = "skill"
    p_success: float = 1.0
    p_failure: float = 1.0

    def __post_init__(self):
        require(
            self.strategy in STRATEGIES, f"impersonation strategy must be one of {STRATEGIES}, got {self.strategy!r}"
        )
        for name in ("p_success", "p_failure"):
            p = getattr(self, name)
            require(0.0 <= p <= 1.0, f"{name} must lie in [0, 1], got {p}")
        require(
            self.strategy == "skill" or (self.p_success == 1.0 and self.p_failure == 1.0),
            f"p_success / p_failure < 1 only apply to strategy 'skill', got strategy {self.strategy!r}",
        )


def episode_records(
    episode_ids: Sequence[EpisodeId], collected_for: Sequence[str], labels: np.ndarray, family: TaskFamily
) -> list[EpisodeRecord]:
    """Records from success labels [N, T] (bool, in the family's task order), e.g.
    thresholded detector probabilities or evaluated predicates."""
    labels = np.asarray(labels, bool)
    if labels.shape != (len(episode_ids), len(family)) or len(collected_for) != len(episode_ids):
        raise ValueError(
            f"Need labels [N={len(episode_ids)}, T={len(family)}] and {len(episode_ids)} "
            f"collected_for names, got labels {labels.shape} and {len(collected_for)} names"
        )
    return [
        EpisodeRecord(i, task, dict(zip(family.names, row.tolist())))
        for i, task, row in zip(episode_ids, collected_for, labels)
    ]


def empty_pools(family: TaskFamily) -> TaskPools:
    return {name: {"success": [], "failure": []} for name in family.names}


def pool_sizes(pools: TaskPools) -> dict[str, dict[Outcome, int]]:
    return {task: {o: len(ids) for o, ids in pool.items()} for task, pool in pools.items()}


def _route(
    episodes: Iterable[EpisodeRecord],
    family: TaskFamily,
    targets: Callable[[str], Iterable[str]],
    keep: Callable[[bool], bool] = lambda success: True,
) -> TaskPools:
    """Puts each episode into the pools of `targets(collected_for)`.

    `keep(success)` decides whether an impersonated copy (target != the task
    the episode was collected for) is routed; the original always is.
    """
    pools = empty_pools(family)
    for episode in episodes:
        family.task_id(episode.collected_for)  # Validates the name.
        target_tasks = tuple(targets(episode.collected_for))
        missing = [t for t in target_tasks if t not in episode.success]
        if missing:
            raise ValueError(
                f"Episode {episode.episode_id!r} has no success label for task(s) {missing}; "
                f"labelled tasks: {sorted(episode.success)}"
            )
        for task in target_tasks:
            success = bool(episode.success[task])
            if task == episode.collected_for or keep(success):
                pools[task]["success" if success else "failure"].append(episode.episode_id)
    return pools


def f_orig(episodes: Iterable[EpisodeRecord], family: TaskFamily) -> TaskPools:
    """No sharing: each episode trains only the task it was collected for."""
    return _route(episodes, family, lambda task: (task,))


def f_all(episodes: Iterable[EpisodeRecord], family: TaskFamily) -> TaskPools:
    """Maximal sharing: each episode trains every task of the family."""
    return _route(episodes, family, lambda task: family.names)


def f_skill(
    episodes: Iterable[EpisodeRecord],
    family: TaskFamily,
    p_success: float = 1.0,
    p_failure: float = 1.0,
    rng: np.random.Generator | None = None,
) -> TaskPools:
    """Skill sharing: each episode trains the tasks of its task's skill.

    With p_success or p_failure < 1 (needs `rng`), an impersonated success is
    kept with probability p_success and an impersonated failure with p_failure.
    """
    ImpersonationConfig("skill", p_success, p_failure)  # Validates the probabilities.
    if (p_success < 1.0 or p_failure < 1.0) and rng is None:
        raise ValueError("f_skill with p_success or p_failure < 1 needs an rng (np.random.Generator).")

    def keep(success: bool) -> bool:
        p = p_success if success else p_failure
        return p >= 1.0 or bool(rng.random() < p)

    return _route(episodes, family, family.same_skill, keep)


def impersonate(
    episodes: Iterable[EpisodeRecord], family: TaskFamily, config: ImpersonationConfig, seed: int = 0
) -> TaskPools:
    """Applies the impersonation function `config` selects."""
    if config.strategy == "orig":
        return f_orig(episodes, family)
    if config.strategy == "all":
        return f_all(episodes, family)
    return f_skill(episodes, family, config.p_success, config.p_failure, np.random.default_rng(seed))
