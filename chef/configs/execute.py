"""EXECUTE: every sweep candidate on the main task, N episodes per test triplet, recorded to RLDS.

Usage: chef-execute --config=execute:state --run_name=my_run
"""

import ml_collections

from chef.configs import collect


def get_config(variant: str = "state") -> ml_collections.ConfigDict:
    c = collect.get_config(variant)
    c.execute = dict(parallel=2)  # Candidates run at the same time; episodes: c.evaluation.
    return c
