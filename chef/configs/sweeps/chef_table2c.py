"""CHEF's offline ablation (paper Table II-C) on one `state_lift` COLLECT run's data, with one
update budget: multi-task offline RL (MPO with both of the base config's heads, reach_grasp and
lift), single-task offline RL (MPO with the main task's head only, lift), filtered BC and filtered
RL (BC / MPO on the episodes where the main task succeeded at the end), two seeds each.
Everything else is the base config's (e.g. collect:state_lift's cloning of the scripted episodes
and standardised inputs). `sweeps/chef_table2c_stack.py` is the same on stack_leave.

Usage (on a `state_lift` COLLECT run; docs/results.md has the measured run):
  chef-sweep --config=sweep:state_lift --sweep=sweeps/chef_table2c.py --run_name=<run> \
      --config.learner.num_steps=10000
  chef-execute --config=execute:state_lift --run_name=<run> --config.evaluation.episodes_per_triplet=30
"""

from typing import Sequence

from chef.sweeps import Axis, product, to_sweep


def table2c_rows(main_task: str) -> Axis:
    """The paper's four rows; `main_task` is the base config's scheduler.main_task."""
    return [
        ("multitask", {"agent": "mpo"}),
        ("singletask", {"agent": "mpo", "mpo.tasks": (main_task,)}),
        ("filtered_bc", {"agent": "filtered_bc"}),
        ("filtered_rl", {"agent": "filtered_mpo"}),
    ]


def table2c_sweep(main_task: str, seeds: Sequence[int]) -> list[dict]:
    """multitask_seed<s>, ..., filtered_rl_seed<s> for every seed."""
    return to_sweep(product(table2c_rows(main_task), [(f"seed{seed}", {"seed": seed}) for seed in seeds]))


def get_sweep() -> list[dict]:
    """multitask_seed0, multitask_seed1, singletask_seed0, ..., filtered_rl_seed1 on lift."""
    return table2c_sweep("lift", seeds=(0, 1))  # collect:state_lift's scheduler.main_task.
