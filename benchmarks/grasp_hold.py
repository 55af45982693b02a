"""Does a held object slip? One JSON object per line per object set.

    python benchmarks/grasp_hold.py [--object_sets=1,2,3,4,5] [--seeds=3] [--physics=timestep=0.005]

For each seed: red on its flattest face, the scripted grasp, then a 5 s still
hold (`rgb_stacking_env.grasp_check`). Reports how many grasps lifted red,
the largest slip of red relative to the pinch point during the holds (mm) and
the share of hold steps whose grasp flag reads an inward grasp.
`--physics` overrides `PhysicsOptions` fields to compare settings.
"""

from __future__ import annotations

import json

from absl import app, flags

from rgb_stacking_env.environment import EnvConfig, RgbStackingEnv
from rgb_stacking_env.grasp_check import hold_after_scripted_grasp
from rgb_stacking_env.scene import PhysicsOptions

_OBJECT_SETS = flags.DEFINE_list("object_sets", ["1", "2", "3", "4", "5"], "Test triplets.")
_SEEDS = flags.DEFINE_integer("seeds", 3, "Holds per object set (environment seeds 0..N-1).")
_HOLD_STEPS = flags.DEFINE_integer("hold_steps", 100, "Control steps of the hold (100 = 5 s).")
_PHYSICS = flags.DEFINE_list("physics", [], "PhysicsOptions overrides, e.g. timestep=0.005.")


def main(argv: list[str]) -> None:
    del argv
    physics = PhysicsOptions().with_overrides(_PHYSICS.value)
    for object_set in _OBJECT_SETS.value:
        results = [
            hold_after_scripted_grasp(
                RgbStackingEnv(EnvConfig(object_set=object_set, seed=seed, physics=physics)), _HOLD_STEPS.value
            )
            for seed in range(_SEEDS.value)
        ]
        held = [r for r in results if r.lifted]
        print(
            json.dumps(
                {
                    "name": "grasp_hold",
                    "object_set": object_set,
                    "physics_timestep": physics.timestep,
                    "overrides": _PHYSICS.value,
                    "lifted": f"{len(held)}/{len(results)}",
                    "grasp_steps": [r.grasp_steps for r in results],
                    "max_slip_mm": [round(1e3 * float(r.slip.max()), 2) for r in held],
                    "inward_grasp_share": [round(float(r.grasped.mean()), 3) for r in held],
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    app.run(main)
