"""Behaviour cloning, filtered BC and CRR on the multi-task networks."""

from chef.agents.bc.builder import BCBuilder
from chef.agents.bc.config import BCConfig
from chef.agents.bc.crr import CRRConfig, CRRLearner, crr_weights
from chef.agents.bc.learning import BCLearner, BCState, log_likelihood, negative_log_likelihood

__all__ = [
    "BCBuilder",
    "BCConfig",
    "BCLearner",
    "BCState",
    "CRRConfig",
    "CRRLearner",
    "crr_weights",
    "log_likelihood",
    "negative_log_likelihood",
]
