"""Recomputing reward vectors from stored observations, so tasks defined later can use old data.

A reward function maps a batch of observations to rewards: `reward_fn({name: [N, ...]}) ->
[N, T]`. In an RLDS episode the reward of step i is earned on reaching observation i + 1, so
an episode's relabelled rewards are `reward_fn(observations[1:])` (the last step gets zeros).
"""

import dataclasses
from typing import Callable, Mapping

import numpy as np
import tensorflow as tf

from chef import types

RewardFn = Callable[[Mapping[str, np.ndarray]], np.ndarray]  # {name: [N, ...]} -> [N, T]

REWARD_STATE_KEY = "privileged/reward_state"


@dataclasses.dataclass(frozen=True)
class Relabel:
    """Which rewards to compute, and from which observation entries."""

    reward_fn: RewardFn
    task_names: tuple[str, ...]
    input_keys: tuple[str, ...] = (REWARD_STATE_KEY,)  # Only these are handed to reward_fn.

    def __post_init__(self):
        if not self.task_names:
            raise ValueError("Relabel needs at least one task name")
        if not self.input_keys:
            raise ValueError("Relabel needs at least one observation key for reward_fn")


def environment_relabel(task_names: types.TaskNames) -> Relabel:
    """Rewards of `task_names` from the RGB-Stacking reward functions (any subset, any order)."""
    from rgb_stacking_env import rewards  # Imported lazily: the environment is optional here.

    task_names = tuple(task_names)
    unknown = sorted(set(task_names) - set(rewards.TASK_NAMES))
    if unknown:
        raise ValueError(f"unknown task(s) {unknown}; valid tasks: {list(rewards.TASK_NAMES)}")
    return Relabel(
        lambda obs: rewards.rewards_from_observation(obs, task_names),
        task_names,
        input_keys=(rewards.REWARD_STATE_KEY,),
    )


def relabel_episode_rewards(observations: Mapping[str, tf.Tensor], relabel: Relabel) -> tf.Tensor:
    """Rewards [L, T'] for an episode's L steps given its observations {name: [L, ...]}."""
    missing = [k for k in relabel.input_keys if k not in observations]
    if missing:
        raise ValueError(f"relabelling needs observation(s) {missing}, the dataset has {sorted(observations)}")
    num_tasks = len(relabel.task_names)

    def compute(*inputs: np.ndarray) -> np.ndarray:
        rewards = np.asarray(relabel.reward_fn(dict(zip(relabel.input_keys, inputs))), dtype=np.float32)
        if rewards.shape != (inputs[0].shape[0], num_tasks):
            raise ValueError(
                f"reward_fn returned shape {rewards.shape}, expected "
                f"[{inputs[0].shape[0]}, {num_tasks}] for tasks {relabel.task_names}"
            )
        return rewards

    reached = [observations[k][1:] for k in relabel.input_keys]  # Observations i + 1, [L - 1, ...]
    rewards = tf.numpy_function(compute, reached, tf.float32, stateful=False)
    rewards = tf.ensure_shape(rewards, [None, num_tasks])  # [L - 1, T']
    return tf.concat([rewards, tf.zeros([1, num_tasks], tf.float32)], axis=0)  # [L, T']
