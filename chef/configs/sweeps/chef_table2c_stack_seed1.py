"""The four Table II-C rows of `sweeps/chef_table2c_stack.py` with seed 1: a second seed of the
ablation on one `state_stack` COLLECT run's data, trained beside the pipeline's seed-0 candidates.

Usage (on a finished `state_stack` run <run>; docs/results.md has the measured run):
  mkdir -p runs/<run>_seed1 && ln -s ../<run>/collect runs/<run>_seed1/collect
  chef-sweep --config=sweep:state_stack --sweep=sweeps/chef_table2c_stack_seed1.py --run_name=<run>_seed1
  chef-execute --config=execute:state_stack --run_name=<run>_seed1 --config.evaluation.episodes_per_triplet=50
"""

from chef.configs.sweeps.chef_table2c import table2c_sweep


def get_sweep() -> list[dict]:
    """multitask_seed1, singletask_seed1, filtered_bc_seed1, filtered_rl_seed1 on stack_leave."""
    return table2c_sweep("stack_leave", seeds=(1,))
