"""Behaviour-cloning configuration."""

import dataclasses
from typing import Sequence

from chef.networks.multitask import NetworkConfig
from chef.utils.config import require


@dataclasses.dataclass(frozen=True)
class BCConfig:
    """BC trains the chosen policy heads on the dataset's actions; filtered BC is
    the same learner fed by an iterator of successful episodes only."""

    network: NetworkConfig  # Required: names the observation keys.
    tasks: tuple[str, ...] = ()  # Heads to train, named by the dataset's task names; () = all.
    learning_rate: float = 1e-4
    max_grad_norm: float = 40.0

    def __post_init__(self):
        require(self.learning_rate > 0, f"learning_rate must be > 0, got {self.learning_rate}")
        require(self.max_grad_norm > 0, f"max_grad_norm must be > 0, got {self.max_grad_norm}")
        require(len(set(self.tasks)) == len(self.tasks), f"duplicate tasks: {self.tasks}")

    def task_names(self, dataset_task_names: Sequence[str]) -> tuple[str, ...]:
        unknown = [t for t in self.tasks if t not in dataset_task_names]
        if unknown:
            raise ValueError(f"unknown tasks {unknown}; valid tasks: {list(dataset_task_names)}")
        return tuple(self.tasks) if self.tasks else tuple(dataset_task_names)
