"""One answer to "where does task X live": its policy/critic head and its reward column.

Every transition carries the rewards of all environment tasks, in `reward_names` order
(rgb_stacking_env.TASK_NAMES); a multi-task network has one head per task of `heads`.
"""

import dataclasses

import rgb_stacking_env


@dataclasses.dataclass(frozen=True)
class TaskLayout:
    """The heads of a multi-task agent and the reward columns of its transitions."""

    heads: tuple[str, ...]
    reward_names: tuple[str, ...] = rgb_stacking_env.TASK_NAMES

    def __post_init__(self):
        object.__setattr__(self, "heads", tuple(self.heads))
        object.__setattr__(self, "reward_names", tuple(self.reward_names))
        if not self.heads:
            raise ValueError("a TaskLayout needs at least one head")
        if len(set(self.heads)) != len(self.heads):
            raise ValueError(f"duplicate heads: {self.heads}")
        unknown = [t for t in self.heads if t not in self.reward_names]
        if unknown:
            raise ValueError(f"unknown tasks {unknown}; valid tasks: {list(self.reward_names)}")

    @classmethod
    def all_tasks(cls, reward_names: tuple[str, ...] = rgb_stacking_env.TASK_NAMES) -> "TaskLayout":
        """One head per reward column, in reward order."""
        return cls(tuple(reward_names), tuple(reward_names))

    @property
    def num_heads(self) -> int:
        return len(self.heads)

    def head(self, task: str) -> int:
        """The head index of `task` (ValueError naming the heads when it has none)."""
        if task not in self.heads:
            raise ValueError(f"task {task!r} has no head; heads: {list(self.heads)}")
        return self.heads.index(task)

    def reward_column(self, task: str) -> int:
        """The column of `task` in a transition's reward vector."""
        if task not in self.reward_names:
            raise ValueError(f"unknown task {task!r}; valid tasks: {list(self.reward_names)}")
        return self.reward_names.index(task)

    @property
    def reward_columns(self) -> tuple[int, ...]:
        """The reward column of every head, in head order."""
        return tuple(self.reward_column(t) for t in self.heads)
