"""Per-task evaluation of an MT-Opt policy in the RGB environment.

An acquisition task runs the policy for `pick_steps` from a reset. A placement
task first needs an object in hand: a noise-free scripted pick of the object
the task moves (place-<c>-on-*: c; place-any and stack_leave: red) runs for
`pick_steps`, then the policy for `place_steps`. Success is the task's
predicate on the final simulator state. With `decision_period` P the policy
(and the scripted pick) act once per P control steps, as in collection;
pick_steps and place_steps count control steps. With `terminate`, the policy's
actions carry MT-Opt's TERMINATE switch last (`chef.mtopt.terminate`): the
episode ends, and is judged, at the first decision that sets it. With
`episode_end='success'` (as in collection) an episode also ends at the first
decision after which the task's predicate holds, and the scripted pick of a
placement task ends once its object is lifted. With a `seed`, episode k of a task starts from
the initial state of `episode_seed(seed, task id, k)` for every policy, so cells evaluated with one
seed are compared on the same initial states whatever ran before them (and each task on its own).
"""

from typing import Callable, Mapping

import dm_env
import numpy as np

from chef import wrappers
from chef.mtopt import decisions, rgb_tasks, terminate
from chef.mtopt.bootstrap import NoisyPickPlace
from chef.mtopt.tasks import TaskFamily
from chef.utils import seeds

Policy = Callable[[Mapping[str, np.ndarray]], np.ndarray]


def episode_seed(seed: int, task_id: int, episode: int) -> int:
    """The reset seed of evaluation episode `episode` of task `task_id` (the family's order) under
    evaluation seed `seed`: the project's seed stream (`chef.utils.seeds.episode_seed`) with the
    task as its stream; a 32-bit draw, unlike collection's chain seeds (`collection.chain_seed`)."""
    return seeds.episode_seed(seed, task_id, episode)


def placed_object(task: str) -> str:
    """The object a placement task moves."""
    if task.startswith("place-") and "-on-" in task:
        return task.removeprefix("place-").split("-on-", 1)[0]
    return "red"


def _run(
    env: dm_env.Environment,
    timestep: dm_env.TimeStep,
    policy: Policy,
    num_steps: int,
    with_terminate: bool = False,
    done: Callable[[], bool] = lambda: False,
) -> dm_env.TimeStep:
    """Steps `policy` until `num_steps`, the environment's end, TERMINATE or `done()` after a step."""
    for _ in range(num_steps):
        if timestep.last():
            break
        action = policy(timestep.observation)
        if with_terminate:
            action, ends = terminate.split(action)
            if ends:
                break
        timestep = env.step(action)
        if done():
            break
    return timestep


def evaluate_task(
    env: dm_env.Environment,
    policy: Policy,
    family: TaskFamily,
    task: str,
    num_episodes: int,
    pick_steps: int,
    place_steps: int,
    decision_period: int = 1,
    with_terminate: bool = False,
    episode_end: str = "success",
    seed: int | None = None,
) -> list[bool]:
    """Success of `policy` (acting for `task`) in each of `num_episodes` episodes; with `seed`, from
    the initial states of `episode_seed(seed, task id, k)`, else from the environment's running RNG."""
    spec = family.task(task)
    env = decisions.with_decision_period(env, decision_period)
    pick_steps = decisions.num_decisions(pick_steps, decision_period)
    place_steps = decisions.num_decisions(place_steps, decision_period)
    scripted_pick = NoisyPickPlace(0.0, 0.0, np.random.default_rng(0), decision_period)
    at_success = episode_end == "success"

    def holds(predicate) -> Callable[[], bool]:
        return lambda: at_success and bool(predicate(rgb_tasks.final_state_from_simulation(env.simulation)))

    outcomes = []
    for episode in range(num_episodes):
        reset_seed = None if seed is None else episode_seed(seed, family.task_id(task), episode)
        timestep = wrappers.reset(env, reset_seed)
        steps = pick_steps
        if spec.skill == rgb_tasks.PLACEMENT:
            colour = placed_object(task)
            scripted_pick.reset(timestep.observation)
            scripted_pick.start_pick(colour)
            timestep = _run(
                env, timestep, scripted_pick, pick_steps, done=holds(lambda state: rgb_tasks.is_lifted(state, colour))
            )
            steps = place_steps
        _run(env, timestep, policy, steps, with_terminate, done=holds(spec.success))
        outcomes.append(bool(spec.success(rgb_tasks.final_state_from_simulation(env.simulation))))
    return outcomes
