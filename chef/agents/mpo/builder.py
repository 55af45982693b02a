"""Builds the MPO agent's parts from its typed config and the environment's specs (as Acme's builders):
networks, a learner initialised from an example observation (no data needed) and actors."""

import dataclasses
from typing import Iterator

import jax

from chef import core, types
from chef.agents.mpo.actor import MPOActor
from chef.agents.mpo.config import MPOConfig
from chef.agents.mpo.learning import MPOLearner
from chef.networks import multitask
from chef.task_layout import TaskLayout

Networks = tuple[multitask.PolicyNetwork, multitask.CriticNetwork]


@dataclasses.dataclass(frozen=True)
class MPOBuilder:
    """One head per task of `tasks`; `example` is a batch of observations of the agent's inputs
    {key: [B, ...]} (e.g. one of zeros) and `action_dim` the size of an action."""

    config: MPOConfig
    tasks: TaskLayout
    example: types.Observation
    action_dim: int

    def make_networks(self) -> Networks:
        return multitask.make_networks(self.config.network, self.tasks.num_heads, self.action_dim)

    def make_learner(
        self, networks: Networks, iterator: Iterator[types.Transition], rng: types.PRNGKey, updates_per_step: int = 1
    ) -> MPOLearner:
        """A learner whose state is ready now; `iterator` is first read by its `step`."""
        return MPOLearner(
            networks,
            self.config,
            self.tasks,
            self.example,
            self.action_dim,
            iterator,
            rng,
            updates_per_step=updates_per_step,
        )

    def make_actor(
        self,
        policy: multitask.PolicyNetwork,
        variable_source: core.VariableSource,
        *,
        task: int = 0,
        evaluation: bool = False,
        seed: int = 0,
    ) -> MPOActor:
        """Acts with head `task` (switchable) of the 'policy' variables of `variable_source`."""
        return MPOActor(policy, variable_source, task=task, evaluation=evaluation, seed=seed)

    def init_policy_params(self, policy: multitask.PolicyNetwork) -> types.Params:
        """Fresh policy parameters (e.g. the shapes a saved policy restores into)."""
        return policy.init(jax.random.PRNGKey(0), self.example)
