"""MPO learner configuration (defaults: public MPO / Acme values, see docs/agents.md)."""

import dataclasses
from typing import Sequence

import rgb_stacking_env
from chef.agents.mpo.losses import MPOHyperParams
from chef.networks.multitask import NetworkConfig
from chef.task_layout import TaskLayout
from chef.utils.config import require

PER_DIM_EPSILONS = ("divided", "full")


@dataclasses.dataclass(frozen=True)
class MPOConfig:
    """Multi-task distributional MPO; `tasks` names the heads (and so the reward columns) to train."""

    network: NetworkConfig  # Required: names the observation keys.
    tasks: tuple[str, ...] = ()  # Task names to train, a subset of the batch's; () = all.
    # Optimisation.
    policy_learning_rate: float = 1e-4
    critic_learning_rate: float = 1e-4
    dual_learning_rate: float = 1e-2
    max_grad_norm: float = 40.0
    target_update_period: int = 100
    # E-step and M-step.
    num_samples: int = 20
    epsilon: float = 0.1
    epsilon_mean: float = 0.0025
    epsilon_stddev: float = 1e-6
    epsilon_penalty: float = 0.001
    per_dim_constraining: bool = True
    # With per_dim_constraining, each dimension's bound: 'divided' = epsilon_* / A (the total over
    # dimensions is epsilon_*), 'full' = epsilon_* for every dimension (Acme's and rlax's).
    per_dim_epsilon: str = "divided"
    action_penalization: bool = True
    init_log_temperature: float = 10.0
    init_log_alpha_mean: float = 10.0
    init_log_alpha_stddev: float = 1000.0
    # Weight of behaviour cloning on transitions marked extras['demonstration'] = 1 (scripted
    # episodes), added to every head's policy loss; 0 = pure MPO.
    demonstration_weight: float = 0.0
    # Categorical critic support, [0, 1 / (1 - 0.99)] for rewards in [0, 1].
    v_min: float = 0.0
    v_max: float = 100.0

    def __post_init__(self):
        for name in (
            "policy_learning_rate",
            "critic_learning_rate",
            "dual_learning_rate",
            "max_grad_norm",
            "epsilon",
            "epsilon_mean",
            "epsilon_stddev",
            "epsilon_penalty",
        ):
            require(getattr(self, name) > 0, f"{name} must be > 0, got {getattr(self, name)}")
        require(self.demonstration_weight >= 0, f"demonstration_weight must be >= 0, got {self.demonstration_weight}")
        require(self.target_update_period >= 1, f"target_update_period must be >= 1, got {self.target_update_period}")
        require(self.num_samples >= 1, f"num_samples must be >= 1, got {self.num_samples}")
        require(self.v_max > self.v_min, f"need v_max > v_min, got [{self.v_min}, {self.v_max}]")
        require(len(set(self.tasks)) == len(self.tasks), f"duplicate tasks: {self.tasks}")
        require(
            self.per_dim_epsilon in PER_DIM_EPSILONS,
            f"per_dim_epsilon must be one of {PER_DIM_EPSILONS}, got {self.per_dim_epsilon!r}",
        )

    def task_layout(self, reward_names: Sequence[str] = rgb_stacking_env.TASK_NAMES) -> TaskLayout:
        """One head per task of `tasks` (() = every reward column), for transitions rewarded in
        `reward_names` order."""
        if not self.tasks:
            return TaskLayout.all_tasks(tuple(reward_names))
        return TaskLayout(tuple(self.tasks), tuple(reward_names))

    def hyper_params(self) -> MPOHyperParams:
        return MPOHyperParams(
            self.epsilon,
            self.epsilon_mean,
            self.epsilon_stddev,
            self.epsilon_penalty,
            self.per_dim_constraining,
            self.action_penalization,
            self.per_dim_epsilon,
        )
