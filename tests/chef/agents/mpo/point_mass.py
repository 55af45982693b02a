"""Test scaffolding: dm_control point_mass with goal-reaching rewards, an
in-memory n-step buffer, and a small collect/learn loop around the real
MPOLearner and MPOActor (the production replay is Reverb, elsewhere)."""

import collections
from typing import Callable, Iterator, Sequence

import jax
import numpy as np
from dm_control import suite
from dm_control.utils import rewards as dm_rewards

from chef import types
from chef.agents import mpo
from chef.networks import multitask
from chef.task_layout import TaskLayout

OBSERVATION_KEYS = ("position", "velocity")
EPISODE_LENGTH = 30
GAMMA = 0.95
N_STEP = 3


def make_env(seed: int):
    """point_mass 'easy' with a 0.1 s control step (the mass crosses the arena in an episode)."""
    return suite.load("point_mass", "easy", task_kwargs={"random": seed}, environment_kwargs={"control_timestep": 0.1})


def goal_rewards(physics, goals: np.ndarray) -> np.ndarray:
    """One dense reward per goal [T]: 1 within 2 cm of the goal, Gaussian decay over 20 cm."""
    position = physics.named.data.geom_xpos["pointmass"][:2]
    distances = np.linalg.norm(goals - position, axis=-1)
    return np.array([dm_rewards.tolerance(d, bounds=(0, 0.02), margin=0.2) for d in distances], np.float32)


def _observation(timestep) -> dict[str, np.ndarray]:
    return {k: np.asarray(timestep.observation[k], np.float32) for k in OBSERVATION_KEYS}


def run_episode(env, goals: np.ndarray, act: Callable[[dict], np.ndarray]) -> tuple[np.ndarray, list]:
    """Runs one episode; returns (summed reward per goal [T], the step tuples)."""
    timestep = env.reset()
    observation, steps, total = _observation(timestep), [], np.zeros(len(goals), np.float32)
    for _ in range(EPISODE_LENGTH):
        action = np.asarray(act(observation), np.float32)
        timestep = env.step(action)
        reward = goal_rewards(env.physics, goals)
        next_observation = _observation(timestep)
        steps.append((observation, action, reward, next_observation))
        total += reward
        observation = next_observation
    return total, steps


class NStepBuffer:
    """Uniform replay of n-step transitions (time-limit ends bootstrap with gamma^k)."""

    def __init__(self, seed: int):
        self._transitions: list[tuple] = []
        self._rng = np.random.default_rng(seed)

    def add_episode(self, steps: Sequence[tuple]) -> None:
        for t in range(len(steps)):
            window = steps[t : t + N_STEP]
            reward = sum(GAMMA**i * step[2] for i, step in enumerate(window))
            self._transitions.append((steps[t][0], steps[t][1], reward, GAMMA ** len(window), window[-1][3]))

    def __len__(self) -> int:
        return len(self._transitions)

    def sample(self, batch_size: int) -> types.Transition:
        picked = [self._transitions[i] for i in self._rng.integers(len(self._transitions), size=batch_size)]
        stack = lambda *xs: np.stack(xs).astype(np.float32)  # noqa: E731
        observation, action, reward, discount, next_observation = zip(*picked)
        return types.Transition(
            jax.tree_util.tree_map(stack, *observation),
            stack(*action),
            stack(*reward),
            stack(*discount),
            jax.tree_util.tree_map(stack, *next_observation),
        )

    def iterate(self, batch_size: int) -> Iterator[types.Transition]:
        while True:
            yield self.sample(batch_size)


def random_returns(goals: np.ndarray, episodes: int, seed: int) -> np.ndarray:
    """Mean return per goal [T] of uniformly random actions."""
    env, rng = make_env(seed), np.random.default_rng(seed)
    return np.mean([run_episode(env, goals, lambda _: rng.uniform(-1, 1, 2))[0] for _ in range(episodes)], axis=0)


def train_mpo(
    goals: np.ndarray, episodes: int, updates_per_episode: int, seed: int = 0
) -> tuple[mpo.MPOLearner, multitask.PolicyNetwork]:
    """Collects with the task heads in turn (SAC-U style, one per episode) and learns all heads."""
    num_tasks = len(goals)
    network = multitask.NetworkConfig(
        observation_keys=OBSERVATION_KEYS, torso_hidden_sizes=(64, 64), head_hidden_sizes=(64,), num_atoms=21
    )
    config = mpo.MPOConfig(
        network=network,
        policy_learning_rate=1e-3,
        critic_learning_rate=1e-3,
        target_update_period=25,
        num_samples=10,
        v_min=0.0,
        v_max=1.0 / (1.0 - GAMMA),
    )
    env, buffer = make_env(seed), NStepBuffer(seed)
    rng = np.random.default_rng(seed)
    for _ in range(4):  # Warm-up with random actions.
        buffer.add_episode(run_episode(env, goals, lambda _: rng.uniform(-1, 1, 2))[1])
    policy, critic = multitask.make_networks(network, num_tasks, action_dim=2)
    spec = env.observation_spec()
    example = {k: np.zeros((1, *spec[k].shape), np.float32) for k in OBSERVATION_KEYS}  # [1, ...]
    tasks = TaskLayout.all_tasks(tuple(f"goal{i}" for i in range(num_tasks)))
    learner = mpo.MPOLearner((policy, critic), config, tasks, example, 2, buffer.iterate(64), jax.random.PRNGKey(seed))
    actor = mpo.MPOActor(policy, learner, task=0, evaluation=False, seed=seed)
    for episode in range(episodes):
        actor.update()
        actor.set_task(episode % num_tasks)
        buffer.add_episode(run_episode(env, goals, actor.select_action)[1])
        learner.run(updates_per_episode)
    return learner, policy


def evaluate(
    policy: multitask.PolicyNetwork, learner: mpo.MPOLearner, goals: np.ndarray, episodes: int, seed: int
) -> np.ndarray:
    """Mean return [T] of each head (deterministic mean action) on its own goal."""
    env = make_env(seed)
    actor = mpo.MPOActor(policy, learner, task=0, evaluation=True)
    returns = collections.defaultdict(list)
    for task in range(len(goals)):
        actor.set_task(task)
        for _ in range(episodes):
            returns[task].append(run_episode(env, goals, actor.select_action)[0][task])
    return np.array([np.mean(returns[t]) for t in range(len(goals))])
