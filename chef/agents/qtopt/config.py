"""Configuration of the multi-task QT-Opt learner, its CEM and its actor."""

import dataclasses

from chef.utils.config import require

CONSERVATIVE_ACTIONS = ("uniform", "cem")  # QtOptConfig.conservative_actions.


@dataclasses.dataclass(frozen=True)
class CemConfig:
    """Cross-entropy method: Gaussian refit to the elites of each iteration."""

    num_samples: int = 64
    num_elites: int = 6
    num_iterations: int = 2
    min_std: float = 1e-3  # Floor of the refitted standard deviation (action units).
    # Action dimensions that act as switches (a gripper's open / close command): CEM scores them
    # only at their bounds, as QT-Opt's binary gripper commands (`cem.snap_binary`).
    binary_dims: tuple[int, ...] = ()

    def __post_init__(self):
        require(self.num_samples >= 2, f"cem.num_samples must be >= 2, got {self.num_samples}")
        require(
            1 <= self.num_elites <= self.num_samples,
            f"cem.num_elites must lie in [1, num_samples={self.num_samples}], got {self.num_elites}",
        )
        require(self.num_iterations >= 1, f"cem.num_iterations must be >= 1, got {self.num_iterations}")
        require(self.min_std >= 0.0, f"cem.min_std must be >= 0, got {self.min_std}")
        require(
            all(d >= 0 for d in self.binary_dims) and len(set(self.binary_dims)) == len(self.binary_dims),
            f"cem.binary_dims must be distinct action indices, got {self.binary_dims}",
        )


@dataclasses.dataclass(frozen=True)
class QtOptConfig:
    """Multi-task QT-Opt (MT-Opt) learner.

    Clipped double Q with two target networks (as in QT-Opt): target 1 is a
    Polyak average of the online network (`target_tau`), target 2 a copy of
    target 1 refreshed every `lagged_target_period` steps.
    """

    observation_keys: tuple[str, ...] = ()
    num_tasks: int = 1
    torso_hidden_sizes: tuple[int, ...] = (256, 256)
    head_hidden_sizes: tuple[int, ...] = (256, 256)
    resnet_preset: str | None = None  # 'small' | 'large' from chef.networks.torsos, for pixels.
    learning_rate: float = 1e-4
    max_grad_norm: float = 40.0
    batch_size: int = 256  # For the input pipeline that feeds the learner.
    target_tau: float = 0.005
    lagged_target_period: int = 1000
    cem: CemConfig = dataclasses.field(default_factory=CemConfig)
    epsilon: float = 0.1  # Actor: probability of a uniformly random action.
    # Not in MT-Opt: weight of `losses.conservative_penalty` (mean Q at the penalised actions of
    # `conservative_actions` minus Q at the data's action), for small offline datasets
    # (0 = MT-Opt's loss alone). `conservative_samples`: uniform actions per example ('uniform' only).
    conservative_weight: float = 0.0
    conservative_samples: int = 16
    # Where the penalty lowers Q: 'uniform' (`conservative_samples` uniform actions per example) or
    # 'cem' (CEM's maximiser at the example's state under the online network: the action a greedy
    # policy would take, as CQL's max form).
    conservative_actions: str = "uniform"

    def __post_init__(self):
        require(len(self.observation_keys) > 0, "observation_keys must name at least one observation")
        require(self.num_tasks >= 1, f"num_tasks must be >= 1, got {self.num_tasks}")
        require(
            all(h > 0 for h in self.torso_hidden_sizes + self.head_hidden_sizes),
            f"hidden sizes must be positive, got {self.torso_hidden_sizes}, {self.head_hidden_sizes}",
        )
        require(self.learning_rate > 0, f"learning_rate must be positive, got {self.learning_rate}")
        require(self.max_grad_norm > 0, f"max_grad_norm must be positive, got {self.max_grad_norm}")
        require(self.batch_size >= 1, f"batch_size must be >= 1, got {self.batch_size}")
        require(0.0 < self.target_tau <= 1.0, f"target_tau must lie in (0, 1], got {self.target_tau}")
        require(self.lagged_target_period >= 1, f"lagged_target_period must be >= 1, got {self.lagged_target_period}")
        require(0.0 <= self.epsilon <= 1.0, f"epsilon must lie in [0, 1], got {self.epsilon}")
        require(self.conservative_weight >= 0.0, f"conservative_weight must be >= 0, got {self.conservative_weight}")
        require(self.conservative_samples >= 1, f"conservative_samples must be >= 1, got {self.conservative_samples}")
        require(
            self.conservative_actions in CONSERVATIVE_ACTIONS,
            f"conservative_actions must be one of {CONSERVATIVE_ACTIONS}, got {self.conservative_actions!r}",
        )
