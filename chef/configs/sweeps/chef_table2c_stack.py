"""CHEF's offline ablation (paper Table II-C) on one `state_stack` COLLECT run's data: the four
rows of `sweeps/chef_table2c.py` (multi-task RL with the reach_grasp, lift and stack_leave heads,
single-task RL on stack_leave, filtered BC and filtered RL on the episodes that ended stacked), one
seed each, one update budget. These are the candidates of the stacking pipeline
(`--config=pipeline:state_stack`).

Usage: chef-sweep --config=sweep:state_stack --sweep=sweeps/chef_table2c_stack.py --run_name=<run>
"""

from chef.configs.sweeps.chef_table2c import table2c_sweep


def get_sweep() -> list[dict]:
    """multitask_seed0, singletask_seed0, filtered_bc_seed0, filtered_rl_seed0 on stack_leave."""
    return table2c_sweep("stack_leave", seeds=(0,))
