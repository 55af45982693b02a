"""One task's QT-Opt on an RGB dataset, with the value it learned checked against the data.

Trains a learner with the config's `qtopt` and `grid` settings, either for `--task` alone (every
episode routed to it with its predicate labels, as f_all) or, with `--multitask`, for the whole
family with a grid strategy and sampler (as one chef-mtopt-ablation cell). Then prints one JSON
line about `--task`:
- q_mean / mc_mean: mean Q at the data's action, and the behaviour's discounted return from the
  same steps (gamma^k to the task's first success k decisions later, 0 if it never comes), over
  every not-yet-successful step of 400 episodes; corr_q_mc, their correlation; q_state_std, the
  spread of Q over those states;
- q_action_spread: the spread of Q over 16 uniform random actions per state;
  data_above_random: the share of them the data's action beats;
- greedy_success: the CEM-greedy policy's successes in `--eval` episodes (chef.mtopt.evaluation).

Used for docs/mt_opt.md ("One task at a time"):
  .venv/bin/python scripts/qtopt_one_task.py --config=mtopt:state --config.dataset_dir=<dir>[,<dir>...] \
      --config.extra_tasks="('reach-green',)" --task=reach-green --steps=3500 --eval=30
  # the same task inside the multi-task learner of a grid cell
  .venv/bin/python scripts/qtopt_one_task.py ... --multitask --strategy=all --sampler=uniform
"""

from chef.launch import cli  # isort: skip  (first: the command-line contract, before JAX and TensorFlow)

import dataclasses
import json
import time

import numpy as np
from absl import flags

from chef.agents.qtopt import networks
from chef.launch import flags as launch_flags
from chef.mtopt import episodes, evaluation, launch_setup, training
from chef.mtopt.tasks import TaskFamily

_CONFIG = launch_flags.define_config("mtopt:state", "Ablation config (dataset_dir, extra_tasks, qtopt, grid).")
_TASK = flags.DEFINE_string("task", "reach-green", "The task: one of the family's, or of config.extra_tasks.")
_STEPS = flags.DEFINE_integer("steps", 3500, "Learner steps.")
_EVAL = flags.DEFINE_integer("eval", 20, "Greedy evaluation episodes (0: none).")
_SAMPLER = flags.DEFINE_enum("sampler", "uniform", list(training.SAMPLERS), "Pair sampler.")
_MULTITASK = flags.DEFINE_bool("multitask", False, "Train on every family task (one grid cell), not --task alone.")
_STRATEGY = flags.DEFINE_enum("strategy", "all", list(training.GRID_STRATEGIES), "With --multitask: impersonation.")


def single_task_table(table: episodes.EpisodeTable, family: TaskFamily, task: str) -> episodes.EpisodeTable:
    """`table` with `task`'s label columns only, every episode collected for it."""
    column = [family.task_id(task)]
    return dataclasses.replace(
        table,
        labels=table.labels[:, column],
        step_labels=table.step_labels[:, column],
        collected_for=(task,) * len(table),
    )


def value_check(learner, table, task_id, gamma, action_min, action_max, binary_dims, rng) -> dict[str, float]:
    """Q of task `task_id` at the data's actions against the behaviour's discounted return (module
    docstring)."""
    index, returns = [], []
    for episode in rng.choice(len(table), min(400, len(table)), replace=False):
        start, length = table.starts[episode], table.lengths[episode]
        labels = table.step_labels[start : start + length, task_id]
        for step in np.flatnonzero(~labels[:-1]):
            ahead = np.flatnonzero(labels[step + 1 :])
            index.append(start + step)
            returns.append(gamma ** ahead[0] if len(ahead) else 0.0)
    index, returns = np.asarray(index), np.asarray(returns)
    params = learner.get_variables(["q_network"])[0]
    observation = {k: v[index] for k, v in table.observations.items()}
    task_id = np.full(len(index), task_id, np.int32)
    q_data = np.asarray(networks.q_values(learner.network, params, observation, table.actions[index], task_id))
    random = rng.uniform(action_min, action_max, (len(index), 16, len(action_min))).astype(np.float32)
    random[..., list(binary_dims)] = np.sign(random[..., list(binary_dims)])
    q_random = np.asarray(networks.q_values(learner.network, params, observation, random, task_id))
    return {
        "q_mean": float(q_data.mean()),
        "mc_mean": float(returns.mean()),
        "corr_q_mc": float(np.corrcoef(q_data, returns)[0, 1]),
        "q_state_std": float(q_data.std()),
        "q_action_spread": float(q_random.std(1).mean()),
        "data_above_random": float((q_data[:, None] > q_random).mean()),
    }


def main():
    config = _CONFIG.value
    setup = launch_setup.from_config(config)
    task = _TASK.value
    if task not in setup.family.names:
        cli.fail(f"--task {task!r} is not in the family {setup.family.names}; add it with --config.extra_tasks")
    directories = [d.strip() for d in config.dataset_dir.split(",") if d.strip()]
    table = launch_setup.load_table(directories, setup)
    family, qtopt, strategy = setup.family, setup.qtopt, _STRATEGY.value
    if not _MULTITASK.value:
        family, qtopt, strategy = TaskFamily([family.task(task)]), dataclasses.replace(qtopt, num_tasks=1), "all"
        table = single_task_table(table, setup.family, task)
    env = launch_setup.make_env(config, setup)
    action_min, action_max = training.action_bounds(env)
    start = time.time()
    learner, pools = training.make_learner(
        table, family, strategy, _SAMPLER.value, qtopt, setup.grid, action_min, action_max, config.seed
    )
    metrics = training.train_learner(learner, _STEPS.value, f"{strategy}/{_SAMPLER.value}")
    result = {
        "task": task,
        "tasks_trained": len(family),
        "strategy": strategy,
        "steps": _STEPS.value,
        "sampler": _SAMPLER.value,
        "pools": pools[task],
        "train_s": round(time.time() - start, 1),
        **{k: round(v, 4) for k, v in metrics.items()},
        **value_check(
            learner,
            table,
            family.task_id(task),
            setup.grid.gamma,
            action_min,
            action_max,
            qtopt.cem.binary_dims,
            np.random.default_rng(config.seed),
        ),
    }
    if _EVAL.value:
        actor = training.qtopt_builder(qtopt, family, action_min, action_max).make_actor(
            learner.network, learner, task_id=family.task_id(task), epsilon=0.0, seed=config.seed
        )
        g = setup.grid
        outcomes = evaluation.evaluate_task(
            env, actor.select_action, family, task, _EVAL.value, g.pick_steps, g.place_steps, g.decision_period
        )
        result["greedy_success"] = f"{sum(outcomes)}/{len(outcomes)}"
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    cli.run(main, lambda: None)
