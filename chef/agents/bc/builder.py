"""Builds behaviour cloning's parts from its typed config and the environment's specs (as Acme's
builders): the policy network and a learner initialised from an example observation (no data needed)."""

import dataclasses
from typing import Iterator

from chef import types
from chef.agents.bc.config import BCConfig
from chef.agents.bc.learning import BCLearner
from chef.networks import multitask
from chef.task_layout import TaskLayout


@dataclasses.dataclass(frozen=True)
class BCBuilder:
    """One policy head per task of `tasks` (trained on `config.tasks`, () = every head); `example`
    is a batch of observations {key: [B, ...]} and `action_dim` the size of an action."""

    config: BCConfig
    tasks: TaskLayout
    example: types.Observation
    action_dim: int

    def make_policy(self) -> multitask.PolicyNetwork:
        return multitask.make_networks(self.config.network, self.tasks.num_heads, self.action_dim)[0]

    def make_learner(
        self, policy: multitask.PolicyNetwork, iterator: Iterator[types.Transition], rng: types.PRNGKey
    ) -> BCLearner:
        """A learner whose state is ready now; `iterator` is first read by its `step`."""
        return BCLearner(policy, self.config, self.tasks.heads, self.example, iterator, rng)
