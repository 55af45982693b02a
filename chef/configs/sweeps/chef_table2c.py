"""CHEF's offline ablation (paper Table II-C) on one `state_lift` COLLECT run's data, with one
update budget: multi-task offline RL (MPO with both of the base config's heads, reach_grasp and
lift), single-task offline RL (MPO with the main task's head only, lift), filtered BC and filtered
RL (BC / MPO on the episodes where the main task succeeded at the end), two seeds each.
Everything else is the base config's (e.g. collect:state_lift's cloning of the scripted episodes
and standardised inputs).

Usage (on a `state_lift` COLLECT run; docs/results.md has the measured run):
  chef-sweep --config=sweep:state_lift --sweep=sweeps/chef_table2c.py --run_name=<run> \
      --config.learner.num_steps=10000
  chef-execute --config=execute:state_lift --run_name=<run> --config.evaluation.episodes_per_triplet=30
"""

from chef.sweeps import product, to_sweep

MAIN_TASK = "lift"  # collect:state_lift's scheduler.main_task.

ROW_AXIS = [
    ("multitask", {"agent": "mpo"}),
    ("singletask", {"agent": "mpo", "mpo.tasks": (MAIN_TASK,)}),
    ("filtered_bc", {"agent": "filtered_bc"}),
    ("filtered_rl", {"agent": "filtered_mpo"}),
]
SEED_AXIS = [(f"seed{seed}", {"seed": seed}) for seed in (0, 1)]


def get_sweep() -> list[dict]:
    """multitask_seed0, multitask_seed1, singletask_seed0, ..., filtered_rl_seed1."""
    return to_sweep(product(ROW_AXIS, SEED_AXIS))
