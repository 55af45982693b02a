"""Writes a sweep file of Table II-C rows that cannot see some of their inputs: the named
observation keys are standardised to zero (their std scaled by 1e6 in the COLLECT run's input
statistics), so the network keeps its shape and the rest of its inputs, and those keys carry no
information. A diagnostic for what a learner leans on, e.g. behaviour cloning copying the previous
action (`action/environment`) instead of acting on the state (docs/results.md, session 17).

  .venv/bin/python scripts/masked_inputs_sweep.py --collect_dir=runs/stack_s17/collect \\
      --mask=action/environment --rows=filtered_bc,singletask --output=runs/noprev_sweep.py
  chef-sweep --config=sweep:state_stack --sweep=runs/noprev_sweep.py --run_name=<a run linking that collect/>
"""

import json
import pathlib
import pprint

import ml_collections
import numpy as np
from absl import app, flags

from chef.configs.sweeps.chef_table2c import table2c_rows
from chef.networks import inputs
from chef.stages import components

_COLLECT_DIR = flags.DEFINE_string("collect_dir", None, "A COLLECT stage directory with standardised inputs.")
_MASK = flags.DEFINE_list("mask", ["action/environment"], "Observation keys the candidates do not see.")
_ROWS = flags.DEFINE_list("rows", ["multitask", "singletask", "filtered_bc", "filtered_rl"], "Table II-C rows.")
_SEED = flags.DEFINE_integer("seed", 0, "The candidates' seed.")
_OUTPUT = flags.DEFINE_string("output", None, "The sweep file to write (refused if it exists).")
MASK_SCALE = 1e6


def main(_):
    output = pathlib.Path(_OUTPUT.value)
    if output.exists():
        raise SystemExit(f"error: {output} exists")
    stored = json.loads((pathlib.Path(_COLLECT_DIR.value) / "config.json").read_text())
    config = ml_collections.ConfigDict(stored)
    mean, std = stored["network"]["vector_mean"], np.asarray(stored["network"]["vector_std"])
    if not len(mean):
        raise SystemExit(f"error: {_COLLECT_DIR.value} has no input statistics (input_statistics.episodes = 0)")
    vector_keys, _ = inputs.split_keys(components.observation_keys(config))
    unknown = sorted(set(_MASK.value) - set(vector_keys))
    if unknown:
        raise SystemExit(f"error: {unknown} are not vector inputs of that run; they are {list(vector_keys)}")
    example = components.StageSpec.from_config(config).example_observation()
    sizes = [int(np.prod(example[k].shape[1:])) for k in vector_keys]
    offsets = np.cumsum([0, *sizes])
    masked = 0
    for key, start, end in zip(vector_keys, offsets[:-1], offsets[1:]):
        if key in _MASK.value:
            std[start:end] *= MASK_SCALE
            masked += end - start
    rows = dict(table2c_rows(config.scheduler.main_task))
    statistics = {"network.vector_mean": tuple(mean), "network.vector_std": tuple(map(float, std))}
    sweep = [
        dict(name=f"{row}_masked_seed{_SEED.value}", seed=_SEED.value, **rows[row], **statistics) for row in _ROWS.value
    ]
    output.write_text(
        f'"""Written by scripts/masked_inputs_sweep.py: {list(_ROWS.value)} without {list(_MASK.value)}, '
        f'on {_COLLECT_DIR.value}."""\n\nSWEEP = {pprint.pformat(sweep, width=120, compact=True)}\n\n\n'
        "def get_sweep() -> list[dict]:\n    return SWEEP\n"
    )
    print(f"wrote {output}: {[c['name'] for c in sweep]}, masking {masked} of {offsets[-1]} features")


if __name__ == "__main__":
    flags.mark_flags_as_required(["collect_dir", "output"])
    app.run(main)
