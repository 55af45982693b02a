"""What the CEM-greedy QT-Opt policy does, decision by decision, next to the scripted policy.

Trains one ablation cell (as chef-mtopt-ablation does), then runs greedy episodes of one
task. Each decision prints the pinch and object positions, whether the object is held, the
greedy action, the noise-free scripted action from the same state, and Q at both (and Q of
terminating, with the TERMINATE switch). Placement tasks start after a noise-free scripted
pick, as in evaluation. Used for docs/mt_opt.md ("Exploration data and the TERMINATE action").

  .venv/bin/python scripts/qtopt_trace.py --config=mtopt:state \
      --config.dataset_dir=<dir>[,<dir>...] --config.grid.terminate_fraction=0.5 --tasks=lift-red,place-any
"""

from chef.launch import cli  # isort: skip  (first: the command-line contract, before JAX and TensorFlow)

import numpy as np
from absl import flags

from chef.agents.qtopt import networks
from chef.agents.qtopt.actor import QtOptActor
from chef.launch import flags as launch_flags
from chef.mtopt import collection, decisions, evaluation, launch_setup, rgb_tasks, terminate, training
from chef.mtopt.bootstrap import NoisyPickPlace

_CONFIG = launch_flags.define_config("mtopt:state", "Ablation config.")
_TASKS = flags.DEFINE_list("tasks", ["lift-red"], "Tasks the greedy policy acts for, in turn.")
_CELL = flags.DEFINE_string("cell", "skill/rebalanced", "Impersonation strategy / sampler of the trained cell.")
_EPISODES = flags.DEFINE_integer("episodes", 2, "Greedy episodes to trace.")


def _q(network, params, observation, actions, task_id) -> np.ndarray:
    """Q at each of `actions` [N, A] in one state. -> [N]"""
    batched = {k: np.asarray(v)[None] for k, v in observation.items()}
    return np.asarray(
        networks.q_values(network, params, batched, np.asarray(actions)[None], np.asarray([task_id], np.int32))
    )[0]


def trace(env, setup, learner, params, actor: QtOptActor, task: str, episodes: int) -> None:
    """Prints `episodes` greedy episodes of `task`, decision by decision."""
    spec, task_id = setup.family.task(task), setup.family.task_id(task)
    actor.task_id = task_id
    period, with_switch = setup.decision_period, setup.grid.terminate
    stepper = decisions.with_decision_period(env, period)
    placing = spec.skill == rgb_tasks.PLACEMENT
    for episode in range(episodes):
        rng = np.random.default_rng(episode)
        object_name = evaluation.placed_object(task) if placing else collection.pick_colour(task, rng)
        timestep = stepper.reset()
        scripted = NoisyPickPlace(0.0, 0.0, rng, period)
        scripted.reset(timestep.observation)
        scripted.start_pick(object_name)
        if placing:
            for _ in range(decisions.num_decisions(setup.grid.pick_steps, period)):
                timestep = stepper.step(scripted(timestep.observation))
            scripted.start_place(collection.place_target(task, object_name, rng))
        print(f"== {task}, episode {episode}")
        for step in range(
            decisions.num_decisions(setup.grid.place_steps if placing else setup.grid.pick_steps, period)
        ):
            observation = timestep.observation
            greedy, reference = actor.select_action(observation), scripted(observation)
            candidates = [greedy, np.append(reference, terminate.CONTINUE) if with_switch else reference]
            if with_switch:
                candidates.append(np.append(reference, terminate.TERMINATE))
            q = _q(learner.network, params, observation, np.stack(candidates), task_id)
            state = rgb_tasks.final_state_from_simulation(env.simulation)
            print(
                f"{step:2d} pinch {np.asarray(state['tcp/position'])} {object_name} "
                f"{np.asarray(state[f'{object_name}/position'])} held {int(state['gripper/grasped'])} "
                f"greedy {greedy} Q {q[0]:.3f} | scripted {reference} Q {q[1]:.3f}"
                + (f" | Q(terminate) {q[2]:.3f}" if with_switch else "")
            )
            action = greedy
            if with_switch:
                action, ends = terminate.split(greedy)
                if ends:
                    print("terminated")
                    break
            timestep = stepper.step(action)
            if timestep.last():
                break
        print("success:", spec.success(rgb_tasks.final_state_from_simulation(env.simulation)))


def validate():
    if not _CONFIG.value.dataset_dir:
        cli.fail("--config.dataset_dir must name the dataset(s) to train on")
    family = launch_setup.from_config(_CONFIG.value).family
    unknown = [task for task in _TASKS.value if task not in family.names]
    if unknown:
        cli.fail(f"--tasks {unknown} unknown; tasks: {list(family.names)}")


def main():
    config = _CONFIG.value
    setup = launch_setup.from_config(config)
    strategy, sampler = _CELL.value.split("/")
    env = launch_setup.make_env(config, setup)
    table = launch_setup.load_table(launch_setup.bootstrap_dataset(config, setup, env, ""), setup)
    low, high = training.q_action_bounds(env, setup.grid)
    learner, _ = training.make_learner(
        table, setup.family, strategy, sampler, setup.qtopt, setup.grid, low, high, config.seed
    )
    training.train_learner(learner, setup.grid.num_steps, _CELL.value)
    params = learner.get_variables(["q_network"])[0]
    actor = training.qtopt_builder(setup.qtopt, setup.family, low, high).make_actor(
        learner.network, learner, task_id=0, epsilon=0.0, seed=config.seed
    )
    np.set_printoptions(precision=3, suppress=True)
    for task in _TASKS.value:
        trace(env, setup, learner, params, actor, task, _EPISODES.value)


if __name__ == "__main__":
    cli.run(main, validate)
