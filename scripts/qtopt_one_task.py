"""One task's QT-Opt on an RGB dataset, with the value it learned checked against the data.

Trains a learner with the config's `qtopt` and `grid` settings, either for `--task` alone (every
episode routed to it with its predicate labels, as f_all) or, with `--multitask`, for the whole
family with a grid strategy and sampler (as one chef-mtopt-ablation cell). Then prints one JSON
line about `--task` (with the training's last metrics, prefixed `train_`):
- q_data / behaviour_return: mean Q at the data's action, and the behaviour's discounted return
  from the same steps (gamma^k when the task next holds k + 1 decisions later, 0 if it never does),
  over every step of 400 episodes where the task does not hold; corr_q_return, their correlation;
  q_state_std, the spread of Q over those states;
- q_action_spread: the spread of Q over 16 uniform random actions per state;
  data_above_random: the share of them the data's action beats;
- q_cem / cem_distance: Q at CEM's maximiser and its distance from the data's action (chef.mtopt.
  q_profile), on 2,048 of those states;
- greedy_success: the CEM-greedy policy's successes in `--eval` episodes (chef.mtopt.evaluation).
Episodes end at success (`episode_end='success'`) and there is no TERMINATE switch: the value
check assumes both.

Used for docs/mt_opt.md ("One task at a time"):
  .venv/bin/python scripts/qtopt_one_task.py --config=mtopt:state --config.dataset_dir=<dir>[,<dir>...] \
      --config.extra_tasks="('reach-green',)" --task=reach-green --eval=30
  # the same task inside the multi-task learner of a grid cell
  .venv/bin/python scripts/qtopt_one_task.py ... --multitask --strategy=all --sampler=uniform
"""

from chef.launch import cli  # isort: skip  (first: the command-line contract, before JAX and TensorFlow)

import dataclasses
import json
import time

import jax
import numpy as np
from absl import flags

from chef import types
from chef.agents.qtopt import networks
from chef.agents.qtopt.learning import TASK_ID
from chef.launch import flags as launch_flags
from chef.mtopt import episodes, launch_setup, q_profile, training
from chef.mtopt.tasks import TaskFamily

_CONFIG = launch_flags.define_config("mtopt:state", "Ablation config (dataset_dir, extra_tasks, qtopt, grid).")
_TASK = flags.DEFINE_string("task", "reach-green", "The task: one of the family's, or of config.extra_tasks.")
_STEPS = flags.DEFINE_integer("steps", None, "Learner steps (default: config.grid.num_steps).", lower_bound=1)
_EVAL = flags.DEFINE_integer("eval", 20, "Greedy evaluation episodes (0: none).", lower_bound=0)
_SAMPLER = flags.DEFINE_enum("sampler", "uniform", list(training.SAMPLERS), "Pair sampler.")
_MULTITASK = flags.DEFINE_bool("multitask", False, "Train on every family task (one grid cell), not --task alone.")
_STRATEGY = flags.DEFINE_enum("strategy", None, list(training.GRID_STRATEGIES), "Impersonation (--multitask only).")


def single_task_table(table: episodes.EpisodeTable, family: TaskFamily, task: str) -> episodes.EpisodeTable:
    """`table` with `task`'s label columns only, every episode collected for it."""
    column = [family.task_id(task)]
    return dataclasses.replace(
        table,
        labels=table.labels[:, column],
        step_labels=table.step_labels[:, column],
        collected_for=(task,) * len(table),
    )


def value_check(learner, table, task_id, gamma, action_min, action_max, cem_config, rng) -> dict[str, float]:
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
    task_ids = np.full(len(index), task_id, np.int32)
    q_data = np.asarray(networks.q_values(learner.network, params, observation, table.actions[index], task_ids))
    random = rng.uniform(action_min, action_max, (len(index), 16, len(action_min))).astype(np.float32)
    random[..., list(cem_config.binary_dims)] = np.sign(random[..., list(cem_config.binary_dims)])
    q_random = np.asarray(networks.q_values(learner.network, params, observation, random, task_ids))
    some = rng.choice(len(index), min(2048, len(index)), replace=False)
    batch = types.Transition(
        {k: v[some] for k, v in observation.items()}, table.actions[index[some]], (), (), (), {TASK_ID: task_ids[some]}
    )
    greedy = q_profile.q_profile(
        q_profile.network_q_function(learner.network, params),
        batch,
        action_min,
        action_max,
        cem_config,
        jax.random.PRNGKey(0),
    )
    return {
        "q_data": float(q_data.mean()),
        "behaviour_return": float(returns.mean()),
        "corr_q_return": float(np.corrcoef(q_data, returns)[0, 1]),
        "q_state_std": float(q_data.std()),
        "q_action_spread": float(q_random.std(1).mean()),
        "data_above_random": float((q_data[:, None] > q_random).mean()),
        "q_cem": greedy["q_cem"],
        "cem_distance": greedy["cem_distance"],
    }


def validate():
    config = _CONFIG.value
    setup = launch_setup.check(config)
    if not config.dataset_dir.strip():
        cli.fail("--config.dataset_dir is empty: name the RLDS dataset(s) to train on")
    if _TASK.value not in setup.family.names:
        cli.fail(f"--task {_TASK.value!r} is not in the family {setup.family.names}; add it with --config.extra_tasks")
    if setup.grid.terminate or setup.grid.episode_end != "success":
        cli.fail("the value check needs episode_end='success' and no TERMINATE switch (grid.terminate_fraction=0)")
    if _STRATEGY.value and not _MULTITASK.value:
        cli.fail("--strategy routes episodes between tasks: it needs --multitask")


def main():
    config = _CONFIG.value
    setup = launch_setup.from_config(config)
    task, steps = _TASK.value, _STEPS.value or setup.grid.num_steps
    directories = [d.strip() for d in config.dataset_dir.split(",") if d.strip()]
    table = launch_setup.load_table(directories, setup)
    family, qtopt, strategy = setup.family, setup.qtopt, _STRATEGY.value or "all"
    if not _MULTITASK.value:
        family, qtopt = TaskFamily([family.task(task)]), dataclasses.replace(qtopt, num_tasks=1)
        table = single_task_table(table, setup.family, task)
    env = launch_setup.make_env(config, setup)
    action_min, action_max = training.action_bounds(env)
    start = time.time()
    learner, pools = training.make_learner(
        table, family, strategy, _SAMPLER.value, qtopt, setup.grid, action_min, action_max, config.seed
    )
    metrics = training.train_learner(learner, steps, f"{strategy}/{_SAMPLER.value}")
    rng = np.random.default_rng(config.seed)
    result = {
        "task": task,
        "tasks_trained": len(family),
        "strategy": strategy,
        "sampler": _SAMPLER.value,
        "steps": steps,
        "pools": pools[task],
        "train_s": round(time.time() - start, 1),
        **{f"train_{k}": round(v, 4) for k, v in metrics.items()},
        **value_check(learner, table, family.task_id(task), setup.grid.gamma, action_min, action_max, qtopt.cem, rng),
    }
    if _EVAL.value:
        actor = training.qtopt_builder(qtopt, family, action_min, action_max).make_actor(
            learner.network, learner, task_id=family.task_id(task), epsilon=0.0, seed=config.seed
        )
        outcomes = training.evaluate_actor(actor, env, family, task, setup.grid, _EVAL.value, config.seed)
        result["greedy_success"] = f"{sum(outcomes)}/{len(outcomes)}"
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    cli.run(main, validate)
