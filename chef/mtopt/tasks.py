"""A multi-task family declared as data: task names, skills and success predicates.

MT-Opt tasks are defined by their outcome only: a predicate over the final
state of an episode says whether the task succeeded. Tasks that share
semantics and dynamics belong to the same *skill*, the unit of data sharing
for skill-based task impersonation (`chef.mtopt.impersonation.f_skill`).

A final state is a flat mapping `{name: value}` (for example
{'red/position': [3], 'gripper/grasped': bool}); each family documents the
keys its predicates read (see `chef.mtopt.rgb_tasks`).
"""

import dataclasses
from typing import Any, Callable, Iterator, Mapping, Sequence

import numpy as np

FinalState = Mapping[str, Any]
SuccessPredicate = Callable[[FinalState], bool]


@dataclasses.dataclass(frozen=True)
class TaskSpec:
    """One task: its name, the skill it belongs to and its success predicate."""

    name: str
    skill: str
    success: SuccessPredicate

    def __post_init__(self):
        if not self.name or not self.skill:
            raise ValueError(f"TaskSpec needs a non-empty name and skill, got {self.name!r}, {self.skill!r}")


class TaskFamily:
    """An ordered, immutable set of tasks; the order defines the task ids."""

    def __init__(self, tasks: Sequence[TaskSpec]):
        if not tasks:
            raise ValueError("A TaskFamily needs at least one task.")
        names = [t.name for t in tasks]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"Duplicate task names {duplicates} in TaskFamily.")
        self._tasks = tuple(tasks)
        self._index = {t.name: i for i, t in enumerate(self._tasks)}

    def __len__(self) -> int:
        return len(self._tasks)

    def __iter__(self) -> Iterator[TaskSpec]:
        return iter(self._tasks)

    def __repr__(self) -> str:
        return f"TaskFamily({', '.join(f'{t.name}:{t.skill}' for t in self._tasks)})"

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self._tasks)

    @property
    def skills(self) -> tuple[str, ...]:
        """Skill names in order of first appearance."""
        return tuple(dict.fromkeys(t.skill for t in self._tasks))

    def task(self, name: str) -> TaskSpec:
        return self._tasks[self.task_id(name)]

    def task_id(self, name: str) -> int:
        """Index of task `name`; ValueError listing the valid names if unknown."""
        try:
            return self._index[name]
        except KeyError:
            raise ValueError(f"Unknown task {name!r}; valid tasks: {list(self.names)}") from None

    def task_ids(self, names: Sequence[str]) -> np.ndarray:
        return np.asarray([self.task_id(n) for n in names], dtype=np.int32)  # [N]

    def tasks_in_skill(self, skill: str) -> tuple[str, ...]:
        """Names of the tasks of `skill`; ValueError listing the skills if unknown."""
        if skill not in self.skills:
            raise ValueError(f"Unknown skill {skill!r}; valid skills: {list(self.skills)}")
        return tuple(t.name for t in self._tasks if t.skill == skill)

    def same_skill(self, name: str) -> tuple[str, ...]:
        """The tasks sharing the skill of task `name` (including itself)."""
        return self.tasks_in_skill(self.task(name).skill)

    def one_hot(self, names: str | Sequence[str]) -> np.ndarray:
        """One-hot task encodings: [T] for one name, [N, T] for a sequence."""
        if isinstance(names, str):
            return np.eye(len(self), dtype=np.float32)[self.task_id(names)]
        return np.eye(len(self), dtype=np.float32)[self.task_ids(names)]

    def success_labels(self, final_state: FinalState) -> dict[str, bool]:
        """Evaluates every task's predicate on one final state."""
        return {t.name: bool(t.success(final_state)) for t in self._tasks}
