"""Where lift episodes fail, per policy: one JSON line per (policy, lift task).

Trains one ablation cell (`--cell`, as chef-mtopt-ablation does) and, per lift task, behaviour
cloning on the task's f_skill successes (as the ablation's BC row), then runs each policy for
`--eval` episodes of every lift task from the evaluation's seeded initial states
(`chef.mtopt.evaluation.episode_seed`: the states the ablation's rows are evaluated on), next to
the noise-free scripted pick and the uniform random policy. Each episode ends in one of:
- lifted: the task succeeded;
- held, not lifted: at some decision the fingers held (the grasp flag) an object the task lifts,
  with the pinch within `LOST` of its centre, but the task did not succeed;
- never reached: never held, and the pinch never came within `_REACH` of such an object's centre;
- reached, never closed there: it did, but no decision commanded a close while it was there;
- closed there, never held: it closed there, but the fingers never held the object.
Each line also gives the median decision of the first reach and of the first hold, the median
closest approach (cm), and `approach_cosine`: over the decisions before the first reach, the mean
cosine between the commanded linear velocity and the direction from the pinch to the nearest
object the task lifts (1: straight at it; 0 on average for random directions). `_REACH` (2 cm,
the fingers around the object) is stricter than the reach-* tasks' 3 cm. The initial states are the
evaluation's; QT-Opt's CEM draws are not (its key advances with every action), so a cell's
episodes here are not the ablation's episodes. Tasks whose f_skill pool holds no success get no
BC line (the ablation's BC row scores them 0).

  .venv/bin/python scripts/mtopt_lift_failures.py --config=mtopt:state \
      --config.dataset_dir=runs/p21_data_seed0/mtopt_ablation/dataset,runs/p21_data_seed1/mtopt_ablation/dataset \
      --config.decision_period=10 --config.grid.n_step=5 --config.grid.num_steps=7000 \
      --config.qtopt.conservative_weight=1.0 --config.qtopt.conservative_actions=cem --cell=skill_p/rebalanced --eval=32
"""

from chef.launch import cli  # isort: skip  (first: the command-line contract, before JAX and TensorFlow)

import json
from typing import Callable

import numpy as np
from absl import flags

from chef import wrappers
from chef.launch import flags as launch_flags
from chef.mtopt import ablation, bc_reference, decisions, evaluation, launch_setup, rgb_tasks, training
from chef.mtopt.bootstrap import NoisyPickPlace, random_arm_action
from rgb_stacking_env.scripted_policy import LOST

_CONFIG = launch_flags.define_config("mtopt:state", "Ablation config; `dataset_dir` names the datasets.")
_CELL = flags.DEFINE_string("cell", "skill_p/rebalanced", "Impersonation strategy / sampler of the QT-Opt cell.")
_EVAL = flags.DEFINE_integer("eval", 32, "Episodes per (policy, lift task).")
_REACH = 0.02  # m between the pinch and an object's centre: the fingers are around it.
_LIFTS = ("lift-any", "lift-red", "lift-green", "lift-blue")
OUTCOMES = ("lifted", "held, not lifted", "never reached", "reached, never closed there", "closed there, never held")


def _colours(task: str) -> tuple[str, ...]:
    return rgb_tasks.COLOURS if task == "lift-any" else (task.removeprefix("lift-"),)


def nearest_offset(state: dict, task: str) -> np.ndarray:
    """[3] from the pinch to the centre of the nearest object `task` lifts."""
    return min((state[f"{c}/position"] - state["tcp/position"] for c in _colours(task)), key=np.linalg.norm)


def episode_outcome(states: list[dict], closes: list[bool], task: str, success: bool) -> tuple[str, int, int]:
    """(outcome, first decision within reach or -1, first decision holding or -1) of one episode from
    the simulation state before each decision (`rgb_tasks.final_state_from_simulation`) and whether
    that decision commanded a close."""
    distance = [float(np.linalg.norm(nearest_offset(s, task))) for s in states]
    near = [d < _REACH for d in distance]
    held = [bool(s["gripper/grasped"]) and d < LOST for s, d in zip(states, distance)]
    first_near = near.index(True) if any(near) else -1
    first_held = held.index(True) if any(held) else -1
    if success:
        outcome = OUTCOMES[0]
    elif first_held >= 0:
        outcome = OUTCOMES[1]
    elif first_near < 0:
        outcome = OUTCOMES[2]
    elif not any(n and c for n, c in zip(near, closes)):
        outcome = OUTCOMES[3]
    else:
        outcome = OUTCOMES[4]
    return outcome, first_near, first_held


def approach_cosines(states: list[dict], velocities: list[np.ndarray], task: str) -> list[float]:
    """Per decision before the first within `_REACH` of an object `task` lifts: the cosine between the
    commanded linear velocity [3] and the direction from the pinch to the nearest such object."""
    cosines = []
    for state, velocity in zip(states, velocities):
        offset = nearest_offset(state, task)
        if np.linalg.norm(offset) < _REACH:
            break
        cosines.append(float(velocity @ offset / max(np.linalg.norm(velocity) * np.linalg.norm(offset), 1e-9)))
    return cosines


def run_lift_episodes(
    env,
    policy_for: Callable[[dict], Callable],
    family,
    task: str,
    episodes: int,
    pick_steps: int,
    period: int,
    seed: int,
) -> dict:
    """`episodes` of `task` by a fresh policy from `policy_for()` each, from the evaluation's seeded
    initial states, ending at success as in evaluation; the outcome counts and median decisions."""
    stepper = decisions.with_decision_period(env, period)
    spec, counts, reach, hold = family.task(task), dict.fromkeys(OUTCOMES, 0), [], []
    closest, cosines = [], []
    for episode in range(episodes):
        timestep = wrappers.reset(stepper, evaluation.episode_seed(seed, family.task_id(task), episode))
        policy, states, closes, velocities = policy_for(timestep.observation), [], [], []
        state, success = rgb_tasks.final_state_from_simulation(env.simulation), False
        for _ in range(decisions.num_decisions(pick_steps, period)):
            states.append(state)
            action = np.asarray(policy(timestep.observation))
            closes.append(bool(action[-1] > 0))
            velocities.append(action[:3])
            timestep = stepper.step(action)
            state = rgb_tasks.final_state_from_simulation(env.simulation)
            success = bool(spec.success(state))
            if success or timestep.last():
                break
        outcome, first_near, first_held = episode_outcome(states, closes, task, success)
        counts[outcome] += 1
        reach += [first_near] if first_near >= 0 else []
        hold += [first_held] if first_held >= 0 else []
        closest.append(100 * min(float(np.linalg.norm(nearest_offset(s, task))) for s in states))
        cosines += approach_cosines(states, velocities, task)
    return {
        **counts,
        "median_first_reach": float(np.median(reach)) if reach else None,
        "median_first_hold": float(np.median(hold)) if hold else None,
        "median_closest_cm": round(float(np.median(closest)), 1),
        "approach_cosine": round(float(np.mean(cosines)), 3) if cosines else None,
    }


def main():
    config = _CONFIG.value
    setup = launch_setup.from_config(config)
    family, grid, period, seed = setup.family, setup.grid, setup.decision_period, config.seed
    strategy, sampler = _CELL.value.split("/")
    env = launch_setup.make_env(config, setup)
    table = launch_setup.load_table(launch_setup.bootstrap_dataset(config, setup, env, ""), setup)
    low, high = training.q_action_bounds(env, grid)
    learner, _ = ablation.train_cell(table, family, strategy, sampler, setup.qtopt, grid, low, high, seed)
    actor = training.qtopt_builder(setup.qtopt, family, low, high).make_actor(
        learner.network, learner, task_id=0, epsilon=0.0, seed=seed
    )
    action_min, action_max = training.action_bounds(env)
    pools = training.strategy_pools(table, family, "skill", grid, seed)
    statistics = training.vector_statistics(table, setup.qtopt)
    rng = np.random.default_rng(seed)

    def scripted(colour: str) -> Callable:
        def make(first_observation):
            policy = NoisyPickPlace(0.0, 0.0, rng, period)
            policy.reset(first_observation)
            policy.start_pick(colour)
            return policy

        return make

    def uniform_random(_):
        def act(observation):
            velocity, yaw_rate = random_arm_action(rng)
            return np.array([*velocity, yaw_rate, rng.choice([-1.0, 1.0])], np.float32)

        return act

    for task in _LIFTS:
        actor.task_id = family.task_id(task)
        successes, bc = pools[task]["success"], None
        if successes:
            bc = bc_reference.train_task_policy(
                table, successes, setup.qtopt, grid.bc_steps, grid.bc_learning_rate,
                action_min, action_max, statistics, seed, name=task,
            )  # fmt: skip
        colour = str(rng.choice(rgb_tasks.COLOURS)) if task == "lift-any" else task.removeprefix("lift-")
        policies = {f"qtopt {_CELL.value}": lambda _: actor.select_action}
        if bc is not None:
            policies["bc (f_skill successes)"] = lambda _: bc
        policies.update({"scripted pick, noise-free": scripted(colour), "uniform random": uniform_random})
        for name, policy_for in policies.items():
            row = run_lift_episodes(env, policy_for, family, task, _EVAL.value, grid.pick_steps, period, seed)
            print(json.dumps({"name": "mtopt_lift_failures", "policy": name, "task": task, **row}), flush=True)


def validate():
    config = _CONFIG.value
    if not config.dataset_dir:
        cli.fail("--config.dataset_dir must name the dataset(s) to train on")
    grid = launch_setup.check(config).grid
    if grid.terminate:
        cli.fail("grid.terminate_fraction must be 0: the lift episodes here run without the TERMINATE switch")
    if grid.episode_end != "success":
        cli.fail(f"episode_end must be 'success' (episodes here end at success), got {grid.episode_end!r}")
    if config.detector_dir:
        cli.fail("detector_dir is not supported: the cell and the BC policies train on the predicates' labels")
    if not grid.bc_steps:
        cli.fail("grid.bc_steps must be > 0: the BC policies train for that many steps")
    strategy, _, sampler = _CELL.value.partition("/")
    if strategy not in training.GRID_STRATEGIES or sampler not in training.SAMPLERS:
        cells = f"<{'|'.join(training.GRID_STRATEGIES)}>/<{'|'.join(training.SAMPLERS)}>"
        cli.fail(f"--cell must be {cells}, got {_CELL.value!r}")


if __name__ == "__main__":
    cli.run(main, validate)
