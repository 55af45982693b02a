"""A four-candidate sweep for the demo and tiny pipelines (state inputs): multi-task vs single-task offline
MPO, behaviour cloning and filtered BC (which fails cleanly when COLLECT had no success)."""

from chef.sweeps import to_sweep
from rgb_stacking_env.rewards import TASK_NAMES


def get_sweep() -> list[dict]:
    return to_sweep(
        [
            ("mpo_multitask", {"agent": "mpo", "mpo.tasks": tuple(TASK_NAMES)}),
            ("mpo_singletask", {"agent": "mpo", "mpo.tasks": ("stack_leave",)}),
            ("bc", {"agent": "bc"}),
            ("filtered_bc", {"agent": "filtered_bc"}),
        ]
    )
