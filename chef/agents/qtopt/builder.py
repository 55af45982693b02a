"""Builds multi-task QT-Opt (MT-Opt) from its config and action box: network, learner, actor.

As an Acme builder: the network is made once and shared by the learner and its actors; the
learner is initialised from an example observation, not from its first batch. The config's
`num_tasks` is the number of task ids (the network's task one-hot), in the caller's task order.
"""

import dataclasses
from typing import Iterator, Mapping, Sequence

import numpy as np

from chef import core, types
from chef.agents.qtopt import networks
from chef.agents.qtopt.actor import Adder, QtOptActor
from chef.agents.qtopt.config import QtOptConfig
from chef.agents.qtopt.learning import QtOptLearner
from chef.utils.metrics import MetricsWriter


@dataclasses.dataclass(frozen=True)
class QtOptBuilder:
    config: QtOptConfig
    action_min: np.ndarray  # [A] the box of Q's actions (the TERMINATE switch included, if any).
    action_max: np.ndarray  # [A]

    def make_network(self, vector_statistics: tuple[Sequence[float], Sequence[float]] = ((), ())) -> networks.QNetwork:
        """Q(s, a, task) with actions rescaled from the box; vector inputs standardised by
        `vector_statistics` (mean, std) [F] when given. The box is read in float32, as the learner reads it."""
        return networks.make_q_network(
            self.config,
            np.asarray(self.action_min, np.float32),
            np.asarray(self.action_max, np.float32),
            vector_statistics,
        )

    def make_learner(
        self,
        network: networks.QNetwork,
        iterator: Iterator[types.Transition],
        example_observation: Mapping[str, np.ndarray],
        key: types.PRNGKey,
        metrics: MetricsWriter | None = None,
        log_every: int = 100,
    ) -> QtOptLearner:
        """A learner on `iterator`'s batches, initialised from `example_observation` ({name: [...]},
        unbatched); it reads `iterator` from its first `step` on."""
        return QtOptLearner(
            network,
            self.config,
            iterator,
            example_observation,
            self.action_min,
            self.action_max,
            key,
            metrics,
            log_every,
        )

    def make_actor(
        self,
        network: networks.QNetwork,
        variable_source: core.VariableSource,
        task_id: int,
        epsilon: float,
        seed: int,
        adder: Adder | None = None,
    ) -> QtOptActor:
        """An actor for task `task_id`: CEM-greedy on the source's 'q_network', epsilon-uniform."""
        return QtOptActor(
            network, variable_source, self.action_min, self.action_max, self.config.cem, task_id, epsilon, seed, adder
        )
