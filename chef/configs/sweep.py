"""HYPERPARAMETER EXPLORATION: offline training of every sweep candidate on the COLLECT data.

The base config is COLLECT's (same variants: state, state_lift, state_stack, vision, demo, tiny); candidates override it
(sweeps/*.py). Usage:
  chef-sweep --config=sweep:state --sweep=sweeps/chef_offline_state.py
"""

import ml_collections

from chef.configs import collect


def get_config(variant: str = "state") -> ml_collections.ConfigDict:
    c = collect.get_config(variant)
    c.agent = "mpo"  # One of chef.stages.offline.AGENTS.
    c.learner.num_steps = {
        "state": 20_000,
        "state_lift": 20_000,
        "state_stack": 10_000,
        "vision": 20_000,
        "demo": 500,
        "tiny": 60,
    }[variant]
    c.learner.checkpoint_period = max(c.learner.num_steps // 4, 1)
    c.sweep = dict(parallel=2)  # Candidates trained at the same time (processes).
    return c
