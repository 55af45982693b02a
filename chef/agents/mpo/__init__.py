"""Multi-task distributional MPO (the CHEF / SAC-X learner)."""

from chef.agents.mpo.actor import MPOActor, StaticVariableSource
from chef.agents.mpo.builder import MPOBuilder
from chef.agents.mpo.checkpointing import restore_state, save_state
from chef.agents.mpo.config import MPOConfig
from chef.agents.mpo.learning import MPOLearner, TrainingState, init_training_state, make_update_step

__all__ = [
    "MPOActor",
    "MPOBuilder",
    "MPOConfig",
    "MPOLearner",
    "StaticVariableSource",
    "TrainingState",
    "init_training_state",
    "make_update_step",
    "restore_state",
    "save_state",
]
