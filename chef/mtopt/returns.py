"""n-step bootstrap terms of sparse-reward QT-Opt targets, as a pure function.

A target is reward + discount * Q(s_{t+offset}, a*). With n-step returns the reward sums the
behaviour's next n rewards and the bootstrap happens n decisions later, so a reward at the end of
a 50-decision pick reaches the first decision in 50 / n target refreshes instead of 50, and the
maximiser's over-estimate enters once per n decisions instead of once per decision. The n - 1
actions in between are the data's (uncorrected off-policy returns, as in Ape-X and R2D2, and as
CHEF's MPO critics learn from chef/data/nstep.py). n = 1 is QT-Opt's one-step target.
"""

import numpy as np


def n_step_terms(
    rewards: np.ndarray, terminals: np.ndarray, available: np.ndarray, gamma: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Discounted reward, bootstrap discount and bootstrap offset of n-step targets.

    rewards    [B, n]  the reward of the transitions t+1 .. t+n (0/1)
    terminals  [B, n]  whether each of those transitions ends the episode (no bootstrap after it)
    available  [B]     how many of the n transitions exist (1 <= available <= n; an episode cut at
                       its step limit has fewer left near its end and bootstraps from its last state)
    Returns reward [B] = sum_j gamma^j r_j up to the first terminal, discount [B] = 0 after a
    terminal and gamma^k after k transitions otherwise, offset [B] = k, the steps from t to the
    state bootstrapped from (or to the terminal transition's end).
    """
    batch, n = rewards.shape
    if terminals.shape != (batch, n) or available.shape != (batch,):
        raise ValueError(
            f"terminals must be {(batch, n)} and available {(batch,)}, got {terminals.shape}, {available.shape}"
        )
    if np.any(available < 1) or np.any(available > n):
        raise ValueError(f"available must lie in [1, {n}], got {available.min()}..{available.max()}")
    terminals = np.asarray(terminals, bool)
    step = np.arange(n)  # [n]
    valid = step[None] < available[:, None]  # [B, n]
    ends = terminals & valid  # [B, n]
    before_end = np.cumsum(ends, axis=1) - ends == 0  # [B, n] no terminal strictly before step j
    counted = valid & before_end  # [B, n]
    reward = np.sum(gamma**step * rewards * counted, axis=1)  # [B]
    ended = ends.any(axis=1)  # [B]
    offset = np.where(ended, ends.argmax(axis=1) + 1, available)  # [B]
    discount = np.where(ended, 0.0, gamma**offset)  # [B]
    return reward.astype(np.float32), discount.astype(np.float32), offset
