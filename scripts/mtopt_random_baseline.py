"""Success of a uniform random policy on each MT-Opt task: the floor under the ablation's cells.

Each decision is uniform in the action box, the gripper (the config's `qtopt.cem.binary_dims`) at
its bounds, as QT-Opt's epsilon exploration. Placement tasks start, as in every cell's evaluation,
after a noise-free scripted pick (chef.mtopt.evaluation). There is no TERMINATE switch: episodes end
at the step limit or, with `episode_end='success'`, at success. The initial states are those of
`config.seed` (`evaluation.episode_seed`), as for an ablation run with that seed. Prints one JSON
line per task.

Used for docs/mt_opt.md ("A penalty at CEM's choice", "A lift that separates from random"):
  .venv/bin/python scripts/mtopt_random_baseline.py --config=mtopt:state --config.decision_period=10 \
      --config.seed=1 --eval=64
"""

from chef.launch import cli  # isort: skip  (first: the command-line contract, before JAX and TensorFlow)

import json

import numpy as np
from absl import flags

from chef.agents.qtopt import cem
from chef.launch import flags as launch_flags
from chef.mtopt import evaluation, launch_setup, training

_CONFIG = launch_flags.define_config("mtopt:state", "Ablation config (env, tasks, grid's segment lengths).")
_EVAL = flags.DEFINE_integer("eval", 16, "Episodes per task.", lower_bound=1)


def main():
    config = _CONFIG.value
    setup = launch_setup.from_config(config)
    env = launch_setup.make_env(config, setup)
    action_min, action_max = training.action_bounds(env)
    rng = np.random.default_rng(config.seed)

    def random_policy(observation) -> np.ndarray:
        action = rng.uniform(action_min, action_max).astype(np.float32)
        return np.asarray(cem.snap_binary(action, action_min, action_max, setup.qtopt.cem.binary_dims), np.float32)

    grid = setup.grid
    for task in setup.family.names:
        outcomes = evaluation.evaluate_task(
            env,
            random_policy,
            setup.family,
            task,
            _EVAL.value,
            grid.pick_steps,
            grid.place_steps,
            grid.decision_period,
            episode_end=grid.episode_end,
            seed=config.seed,
        )
        print(json.dumps({"task": task, "successes": int(sum(outcomes)), "episodes": len(outcomes)}), flush=True)


if __name__ == "__main__":
    cli.run(main, lambda: launch_setup.check(_CONFIG.value))
