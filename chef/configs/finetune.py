"""FINE-TUNE: the best candidate continues offline on COLLECT + EXECUTE data, half of each batch each.

Usage: chef-finetune --config=finetune:state --run_name=my_run
"""

import ml_collections

from chef.configs import collect


def get_config(variant: str = "state") -> ml_collections.ConfigDict:
    c = collect.get_config(variant)
    c.finetune = dict(
        num_steps={
            "state": 10_000,
            "state_lift": 10_000,
            "state_stack": 20_000,
            "vision": 10_000,
            "demo": 500,
            "tiny": 40,
        }[variant],
        proportions=(0.5, 0.5),  # COLLECT, EXECUTE
        video=True,
    )  # Final evaluation: c.evaluation.
    return c
