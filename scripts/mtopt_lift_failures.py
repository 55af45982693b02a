"""Where lift episodes fail, per policy: one JSON line per (policy, lift task).

Trains one ablation cell (`--cell`, as chef-mtopt-ablation does) and, per lift task, behaviour
cloning on the task's f_skill successes (as the ablation's BC row), then runs each policy for
`--eval` episodes of every lift task from the evaluation's seeded initial states
(`chef.mtopt.evaluation.episode_seed`: the states the ablation's rows are evaluated on), next to
the noise-free scripted pick (straight, and from beside the object: `level_approach_probability`
1) and the uniform random policy. Each episode ends in one of:
- lifted: the task succeeded;
- held, not lifted: at some decision the fingers held (the grasp flag) an object the task lifts,
  with the pinch within `LOST` of its centre, but the task did not succeed;
- never reached: never held, and the pinch never came within `REACH` of such an object's centre;
- reached, never closed there: it did, but no decision commanded a close while it was there;
- closed there, never held: it closed there, but the fingers never held the object.
Each line also gives the median decision of the first reach and of the first hold, the median
closest approach (cm), and, as means over the decisions before the first reach:
- `approach_cosine`: the cosine between the commanded linear velocity and the direction from the
  pinch to the nearest object the task lifts (1: straight at it; 0 on average for random
  directions);
- over those of them with the object at least `REACH` away horizontally (the others hover over
  it or descend onto it), split by whether the vertical distance is at least the horizontal
  one (`descending`: the scripted pick's approach, which moves both ways at once and levels out
  over the object) or not (`level`: beside the object, near its height):
  - `approach_cosine_xy`: the same cosine between the horizontal components (both groups);
  - `level_share`: the share of the approach's decisions that are level, and `level_close_share`:
    the share of those that command a close;
  - `q_xy_argmax_cosine_<group>` and `q_xy_correlation_<group>`: how the cell's Q for the task
    ranks directions of horizontal motion at the velocity bound, the action's other dimensions
    kept (`q_profile.horizontal_direction_profile`): the cosine between Q's best direction and
    the horizontal direction to the object, and the Pearson correlation over the directions
    between Q and that cosine (None where a group is empty).
`REACH` (2 cm, the fingers around the object) is stricter than the reach-* tasks' 3 cm. The
initial states are the evaluation's; QT-Opt's CEM draws are not (its key advances with every
action), so a cell's episodes here are not the ablation's episodes. Tasks whose f_skill pool
holds no success get no BC line (the ablation's BC row scores them 0).

  .venv/bin/python scripts/mtopt_lift_failures.py --config=mtopt:state \
      --config.dataset_dir=runs/p21_data_seed0/mtopt_ablation/dataset,runs/p21_data_seed1/mtopt_ablation/dataset \
      --config.decision_period=10 --config.grid.n_step=5 --config.grid.num_steps=7000 \
      --config.qtopt.conservative_weight=1.0 --config.qtopt.conservative_actions=cem --cell=skill_p/rebalanced --eval=32
"""

from chef.launch import cli  # isort: skip  (first: the command-line contract, before JAX and TensorFlow)

import json
from typing import Callable

import jax
import numpy as np
from absl import flags

from chef import wrappers
from chef.launch import flags as launch_flags
from chef.mtopt import ablation, bc_reference, decisions, evaluation, launch_setup, q_profile, rgb_tasks, training
from chef.mtopt.bootstrap import NoisyPickPlace, random_arm_action
from rgb_stacking_env.scripted_policy import LOST
from rgb_stacking_env.simulation import MAX_LINEAR_VELOCITY

_CONFIG = launch_flags.define_config("mtopt:state", "Ablation config; `dataset_dir` names the datasets.")
_CELL = flags.DEFINE_string("cell", "skill_p/rebalanced", "Impersonation strategy / sampler of the QT-Opt cell.")
_EVAL = flags.DEFINE_integer("eval", 32, "Episodes per (policy, lift task).")
REACH = 0.02  # m between the pinch and an object's centre: the fingers are around it.
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
    near = [d < REACH for d in distance]
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


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine of the angle between two vectors (0 if either is 0)."""
    return float(a @ b / max(np.linalg.norm(a) * np.linalg.norm(b), 1e-9))


def approach_group(offset: np.ndarray) -> str | None:
    """'descending' or 'level' (the module docstring) for an offset [3] from the pinch to an object,
    None within `REACH` horizontally."""
    horizontal = np.linalg.norm(offset[:2])
    if horizontal < REACH:
        return None
    return "descending" if abs(offset[2]) >= horizontal else "level"


def mean_direction_profile(
    q_function: q_profile.QFunction, members: list[tuple], task_id: int, observation_keys: tuple[str, ...]
) -> dict[str, float | None]:
    """Means of `q_profile.horizontal_direction_profile`'s argmax_cosine and correlation over
    decisions given as (observation, action [A], horizontal offset to the object [2]); None if none."""
    if not members:
        return dict.fromkeys(("argmax_cosine", "correlation"), None)
    observations, actions, offsets = zip(*members)
    profile = q_profile.horizontal_direction_profile(
        q_function,
        {k: np.stack([o[k] for o in observations]) for k in observation_keys},
        np.stack(actions),
        np.full(len(actions), task_id, np.int32),
        np.stack(offsets),
        float(MAX_LINEAR_VELOCITY),
    )
    return {name: round(float(profile[name].mean()), 3) for name in ("argmax_cosine", "correlation")}


def run_lift_episodes(
    env,
    policy_for: Callable[[dict], Callable],
    family,
    task: str,
    episodes: int,
    pick_steps: int,
    period: int,
    seed: int,
    q_function: q_profile.QFunction,
    observation_keys: tuple[str, ...],
) -> dict:
    """`episodes` of `task` by a fresh policy from `policy_for()` each, from the evaluation's seeded
    initial states, ending at success as in evaluation; the outcome counts, median decisions and
    approach measures (the module docstring), with the cell's Q (`q_function`, on the observations'
    `observation_keys`) for the direction profile."""
    stepper = decisions.with_decision_period(env, period)
    spec, counts, reach, hold = family.task(task), dict.fromkeys(OUTCOMES, 0), [], []
    closest, cosines, cosines_xy, level_closes = [], [], [], []
    grouped = {"descending": [], "level": []}  # (observation, action, offset [2]) per decision.
    for episode in range(episodes):
        timestep = wrappers.reset(stepper, evaluation.episode_seed(seed, family.task_id(task), episode))
        policy, states, closes, actions, observations = policy_for(timestep.observation), [], [], [], []
        state, success = rgb_tasks.final_state_from_simulation(env.simulation), False
        for _ in range(decisions.num_decisions(pick_steps, period)):
            states.append(state)
            observations.append({k: timestep.observation[k] for k in observation_keys})
            action = np.asarray(policy(timestep.observation), np.float32)
            closes.append(bool(action[-1] > 0))
            actions.append(action)
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
        approach = first_near if first_near >= 0 else len(states)
        for decision_state, observation, action in zip(states[:approach], observations, actions):
            offset = nearest_offset(decision_state, task)
            cosines.append(cosine(action[:3], offset))
            if group := approach_group(offset):
                cosines_xy.append(cosine(action[:2], offset[:2]))
                grouped[group].append((observation, action, offset[:2]))
                level_closes += [bool(action[-1] > 0)] if group == "level" else []
    direction = {}
    for group, members in grouped.items():
        profile = mean_direction_profile(q_function, members, family.task_id(task), observation_keys)
        direction.update({f"q_xy_{name}_{group}": value for name, value in profile.items()})
    return {
        **counts,
        "median_first_reach": float(np.median(reach)) if reach else None,
        "median_first_hold": float(np.median(hold)) if hold else None,
        "median_closest_cm": round(float(np.median(closest)), 1),
        "approach_cosine": round(float(np.mean(cosines)), 3) if cosines else None,
        "approach_cosine_xy": round(float(np.mean(cosines_xy)), 3) if cosines_xy else None,
        "level_share": round(len(grouped["level"]) / len(cosines), 3) if cosines else None,
        "level_close_share": round(float(np.mean(level_closes)), 3) if level_closes else None,
        **direction,
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
    q_function = jax.jit(q_profile.network_q_function(learner.network, learner.get_variables(["q_network"])[0]))
    keys = tuple(setup.qtopt.observation_keys)

    level_rng = np.random.default_rng([seed, 1])  # Its own: the other rows draw as before it was added.

    def scripted(colour: str, level_approach_probability: float) -> Callable:
        def make(first_observation):
            policy_rng = level_rng if level_approach_probability else rng
            policy = NoisyPickPlace(0.0, 0.0, policy_rng, period, level_approach_probability=level_approach_probability)
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
        policies.update(
            {
                "scripted pick, noise-free": scripted(colour, 0.0),
                "scripted pick, noise-free, level approach": scripted(colour, 1.0),
                "uniform random": uniform_random,
            }
        )
        for name, policy_for in policies.items():
            row = run_lift_episodes(
                env, policy_for, family, task, _EVAL.value, grid.pick_steps, period, seed, q_function, keys
            )
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
