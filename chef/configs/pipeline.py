"""The CHEF pipeline: one config per stage (see chef/configs/<stage>.py) plus the sweep file.

Variants: 'demo' (the README's main job: a small budget, about 7 minutes on 2 CPU cores),
'state' (a real state-based run, hours), 'state_stack' (COLLECT on triplet 4 with half of the
episodes scripted, then CHEF's Table II-C rows on stack_leave as SWEEP's candidates), 'vision'
(pixels, for a GPU), 'tiny' (tests).
Override any stage field: --config.collect.learner.num_steps=5000.
"""

import ml_collections

from chef.configs import collect, execute, finetune, sweep

SWEEP_FILES = {
    "state": "sweeps/chef_offline_state.py",
    "state_stack": "sweeps/chef_table2c_stack.py",
    "vision": "sweeps/chef_offline.py",
    "tiny": "sweeps/chef_demo.py",
    "demo": "sweeps/chef_demo.py",
}


def get_config(variant: str = "demo") -> ml_collections.ConfigDict:
    if variant not in SWEEP_FILES:
        raise ValueError(f"unknown variant {variant!r}; valid: {sorted(SWEEP_FILES)}")
    c = ml_collections.ConfigDict()
    c.collect = collect.get_config(variant)
    c.sweep = sweep.get_config(variant)
    c.execute = execute.get_config(variant)
    c.finetune = finetune.get_config(variant)
    c.sweep_file = SWEEP_FILES[variant]
    return c
