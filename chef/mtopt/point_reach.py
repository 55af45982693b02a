"""A problem whose answer is known, for where MT-Opt's episodes end (issue 18: MT-Opt's 0 of 64).

A point moves in the plane by the first two
dimensions of RGB-Stacking's action box (tcp velocities, 0.07 m/s at most, held for one 0.25 s
decision; the other three dimensions do nothing) and must reach a goal it observes; the time left
is not observed. 4,000 episodes of a noisy goal-seeking controller, 30 decisions each, are the
offline data; the learner has the `state` config's QT-Opt hyperparameters (`qtopt_config`, with
a layer width to choose). With the reward at the deadline, Q is flat in the action wherever
there is time to spare, and the greedy policy drifts; with success absorbing, acting sooner earns
more.
The project's own parts do the work: `EpisodeTable`, `TransitionBatches` (both modes), the
uniform pair sampler, the QT-Opt builder's learner and CEM. tests/chef/mtopt/test_episode_end_learning.py runs
it, and so does `scripts/point_reach.py --layers=256` (one JSON line).
"""

import time
from typing import Any, Mapping, Sequence

import jax
import numpy as np

from chef.agents.qtopt import cem, networks
from chef.agents.qtopt.config import CemConfig, QtOptConfig
from chef.agents.qtopt.learning import QtOptLearner
from chef.mtopt import impersonation, rebalancing, training
from chef.mtopt.episodes import EpisodeTable, TransitionBatches
from chef.mtopt.tasks import TaskFamily, TaskSpec
from chef.utils import config as config_lib
from rgb_stacking_env.environment import ACTION_MAX, ACTION_MIN

DECISIONS, DECISION_S, RADIUS, GAMMA = 30, 0.25, 0.02, 0.95
START, GOALS = 0.15, 0.12  # Start positions and goals lie in [-START, START]^2 / [-GOALS, GOALS]^2 (m).
FAMILY = TaskFamily([TaskSpec("reach", "reach", bool)])


def move(position, action):  # [N, 2], [N, 5] -> [N, 2]: the first two action dims are velocities.
    velocity = np.clip(action[:, :2], ACTION_MIN[:2], ACTION_MAX[:2])
    return np.clip(position + DECISION_S * velocity, -START, START)


def at_goal(position, goal):  # -> [N] bool
    return np.linalg.norm(position - goal, axis=-1) <= RADIUS


def rollouts(rng, num, noise=1.5, random_probability=0.0):
    """positions [N, D + 1, 2], actions [N, D, 5], goals [N, 2] of the noisy goal-seeking controller:
    velocity toward the goal plus Gaussian noise of `noise` times the bound, or, in a share
    `random_probability` of the decisions, uniform in the box (the RGB collection's exploration);
    the wrist and gripper dimensions uniform (the gripper at its bounds)."""
    positions, goals = [rng.uniform(-START, START, (num, 2))], rng.uniform(-GOALS, GOALS, (num, 2))
    bound = ACTION_MAX[:2]
    actions = []
    for _ in range(DECISIONS):
        toward = np.clip((goals - positions[-1]) / DECISION_S, -bound, bound)
        velocity = np.clip(toward + noise * bound * rng.standard_normal((num, 2)), -bound, bound)
        if random_probability:  # (No draw otherwise: the default rollouts stay those of the test.)
            explore = rng.random(num) < random_probability
            velocity[explore] = rng.uniform(-bound, bound, (int(explore.sum()), 2))
        others = np.stack(
            [
                rng.uniform(ACTION_MIN[2], ACTION_MAX[2], num),
                rng.uniform(ACTION_MIN[3], ACTION_MAX[3], num),
                rng.choice([-1.0, 1.0], num),
            ],
            axis=1,
        )
        actions.append(np.concatenate([velocity, others], axis=1))
        positions.append(move(positions[-1], actions[-1]))
    return np.stack(positions, 1).astype(np.float32), np.stack(actions, 1).astype(np.float32), goals


def episode_table(positions, actions, goals, end_at_success: bool) -> EpisodeTable:
    """The rollouts as collected: whole (deadline) or cut after the first success."""
    observations, all_actions, starts, lengths, step_labels = [], [], [], [], []
    for p, a, g in zip(positions, actions, goals):
        reached = at_goal(p, g)  # [D + 1]
        length = DECISIONS + 1
        if end_at_success and reached[1:].any():
            length = int(np.argmax(reached[1:])) + 2
        starts.append(sum(lengths))
        lengths.append(length)
        observations.append(np.concatenate([p[:length], np.repeat(g[None], length, 0)], axis=1))
        all_actions.append(np.concatenate([a[: length - 1], np.zeros((1, 5), np.float32)]))
        step_labels.append(reached[:length, None])
    step_labels = np.concatenate(step_labels)
    starts, lengths = np.asarray(starts), np.asarray(lengths)
    observations = np.concatenate(observations).astype(np.float32)
    return EpisodeTable(
        {"position": observations[:, :2], "goal": observations[:, 2:]},
        np.concatenate(all_actions),
        starts,
        lengths,
        ("reach",) * len(starts),
        step_labels[starts + lengths - 1],
        np.zeros(len(starts), np.int64),  # chain seeds
        step_labels,
    )


def greedy_success(learner: QtOptLearner, config: QtOptConfig, rng: np.random.Generator, num: int = 200) -> float:
    """Success of the CEM-greedy policy from fresh states: reaching the goal at any decision."""
    positions = rng.uniform(-START, START, (num, 2)).astype(np.float32)
    goals = rng.uniform(-GOALS, GOALS, (num, 2)).astype(np.float32)
    params = learner.get_variables(["q_network"])[0]

    @jax.jit
    def act(key, position):
        observation = {"position": position, "goal": goals}

        def score(actions):  # [N, S, 5] -> [N, S]
            return networks.q_values(learner.network, params, observation, actions, np.zeros(num, np.int32))

        return cem.cem_maximize(score, key, num, ACTION_MIN, ACTION_MAX, config.cem)[0]

    reached = at_goal(positions, goals)
    key = jax.random.PRNGKey(1)
    for _ in range(DECISIONS):
        key, sub = jax.random.split(key)
        positions = np.where(reached[:, None], positions, move(positions, np.asarray(act(sub, positions))))
        reached |= at_goal(positions, goals)
    return float(reached.mean())


def qtopt_config(base: Mapping[str, Any], layers: int) -> QtOptConfig:
    """`base` (a chef/configs/mtopt.py `qtopt` section) for this problem, with `layers`-unit layers."""
    base = config_lib.to_dict(base)
    return QtOptConfig(
        **{
            **base,
            "observation_keys": ("position", "goal"),
            "num_tasks": 1,
            "cem": CemConfig(**{**base["cem"], "binary_dims": (4,)}),
            "torso_hidden_sizes": (layers, layers),
            "head_hidden_sizes": (layers,),
        }
    )


def train(table: EpisodeTable, episode_end: str, config: QtOptConfig, steps: int) -> QtOptLearner:
    rng = np.random.default_rng(0)
    pools = impersonation.f_all(table.records(FAMILY), FAMILY)
    batches = TransitionBatches(
        table, rebalancing.UniformSampler(pools, rng), config.batch_size, GAMMA, rng, episode_end=episode_end
    )
    builder = training.qtopt_builder(config, FAMILY, ACTION_MIN, ACTION_MAX)
    learner = builder.make_learner(
        builder.make_network(), batches, {"position": np.zeros(2), "goal": np.zeros(2)}, jax.random.PRNGKey(0)
    )
    learner.run(steps)
    return learner


def data_success(positions, goals) -> float:
    """Share of the rollouts that reach their goal at some decision."""
    num = len(goals)
    return float(
        at_goal(positions[:, 1:].reshape(-1, 2), np.repeat(goals, DECISIONS, 0)).reshape(num, DECISIONS).any(1).mean()
    )


def compare(
    config: QtOptConfig,
    steps: int = 3000,
    episodes: int = 4000,
    noise: float = 1.5,
    random_probability: float = 0.0,
    episode_ends: Sequence[str] = ("success", "deadline"),
) -> dict:
    """Greedy success with each episode end, trained on the same rollouts."""
    positions, actions, goals = rollouts(np.random.default_rng(0), episodes, noise, random_probability)
    result = {
        "layers": config.torso_hidden_sizes[0],
        "steps": steps,
        "episodes": episodes,
        "noise": noise,
        "random_probability": random_probability,
        "data_success": data_success(positions, goals),
    }
    for episode_end in episode_ends:
        start = time.time()
        learner = train(episode_table(positions, actions, goals, episode_end == "success"), episode_end, config, steps)
        result[episode_end] = greedy_success(learner, config, np.random.default_rng(3))
        result[f"{episode_end}_s"] = round(time.time() - start, 1)
    return result
