"""Multi-task n-step returns: the one piece of arithmetic the adder and the RLDS reader share.

Step i of an episode holds the reward vector r_i [T] and the environment discount d_i
received after action a_i. The n-step transition starting at step t looks m = min(n, L - t)
steps ahead:

    reward_t   = sum_{k<m} gamma^k * (prod_{j<k} d_{t+j}) * r_{t+k}      # [T]
    discount_t = gamma^m * prod_{j<m} d_{t+j}                              # []
    next_t     = t + m  (index of the bootstrap observation)

A terminal step (d = 0) zeroes everything after it and the bootstrap discount; a time-limit
truncation (last step with d = 1) keeps the discount gamma^m.

`nstep_window` is this definition for one transition (the adder's); `nstep_targets` computes
it for every start of an episode at once (the reader's); `nstep_windows` for a batch of windows
of different lengths (QT-Opt's sampled transitions, chef.mtopt.episodes); tests hold them equal.
"""

from typing import NamedTuple

import numpy as np


class NStepTargets(NamedTuple):
    reward: np.ndarray  # [L, T] n-step discounted reward per task
    discount: np.ndarray  # [L] bootstrap multiplier gamma^m * prod(d)
    next_index: np.ndarray  # [L] int64, index of the bootstrap observation (t + m)


def nstep_window(rewards: np.ndarray, discounts: np.ndarray, gamma: float) -> tuple[np.ndarray, np.float32]:
    """(reward [T], discount []) of the transition whose m-step window is `rewards` [m, T] and
    `discounts` [m] (m <= n; shorter at the end of an episode)."""
    factors = gamma * np.asarray(discounts, dtype=np.float32)  # [m]
    weights = np.cumprod(np.concatenate([np.ones(1, np.float32), factors[:-1]]))  # [m] gamma^k prod_{j<k} d_j
    return weights @ np.asarray(rewards, dtype=np.float32), np.float32(np.prod(factors))


def nstep_windows(
    rewards: np.ndarray, discounts: np.ndarray, lengths: np.ndarray, gamma: float
) -> tuple[np.ndarray, np.ndarray]:
    """`nstep_window` of B windows at once: (reward [B], discount [B]) of `rewards` [B, n] and
    `discounts` [B, n], of which the first `lengths` [B] (1 <= m <= n) entries of each row count."""
    rewards, discounts = np.asarray(rewards, np.float32), np.asarray(discounts, np.float32)
    batch, n = rewards.shape
    if discounts.shape != (batch, n) or lengths.shape != (batch,):
        raise ValueError(
            f"discounts must be {(batch, n)} and lengths {(batch,)}, got {discounts.shape}, {lengths.shape}"
        )
    if np.any(lengths < 1) or np.any(lengths > n):
        raise ValueError(f"lengths must lie in [1, {n}], got {lengths.min()}..{lengths.max()}")
    valid = np.arange(n)[None] < lengths[:, None]  # [B, n]
    factors = np.where(valid, gamma * discounts, 1.0).astype(np.float32)  # [B, n]
    weights = np.cumprod(np.concatenate([np.ones((batch, 1), np.float32), factors[:, :-1]], axis=1), axis=1)
    return (weights * valid * rewards).sum(axis=1), factors.prod(axis=1)


def nstep_targets(rewards: np.ndarray, discounts: np.ndarray, n_step: int, gamma: float) -> NStepTargets:
    """N-step rewards and bootstrap discounts for every start index of a (partial) episode.

    Args:
      rewards: [L, T] reward vector received after each of L actions.
      discounts: [L] environment discount received after each action.
      n_step: look-ahead n >= 1; windows are shortened at the end of the sequence.
      gamma: the agent's discount factor in [0, 1].
    """
    rewards = np.asarray(rewards, dtype=np.float32)
    discounts = np.asarray(discounts, dtype=np.float32)
    if rewards.ndim != 2:
        raise ValueError(f"rewards must have shape [L, T], got {rewards.shape}")
    if discounts.shape != rewards.shape[:1]:
        raise ValueError(f"discounts must have shape [L]={rewards.shape[:1]}, got {discounts.shape}")
    if n_step < 1:
        raise ValueError(f"n_step must be >= 1, got {n_step}")
    if not 0.0 <= gamma <= 1.0:
        raise ValueError(f"gamma must be in [0, 1], got {gamma}")
    length, num_tasks = rewards.shape
    # Past the end: no reward and no further discounting, so windows shorten there.
    padded_rewards = np.concatenate([rewards, np.zeros((n_step, num_tasks), np.float32)])  # [L + n, T]
    factors = np.concatenate([gamma * discounts, np.ones(n_step, np.float32)])  # [L + n]
    reward = np.zeros_like(rewards)  # [L, T]
    multiplier = np.ones(length, dtype=np.float32)  # [L] gamma^k * prod_{j<k} d_{t+j}
    for k in range(n_step):
        reward += multiplier[:, None] * padded_rewards[k : k + length]
        multiplier *= factors[k : k + length]
    next_index = np.minimum(np.arange(length) + n_step, length).astype(np.int64)
    return NStepTargets(reward, multiplier, next_index)
