"""A numpy ring buffer of transitions: what COLLECT's learner-resident replay and the offline
stages' in-memory datasets hold."""

import jax
import numpy as np

from chef import types


class TransitionBuffer:
    """A ring buffer of `Transition`s with fixed leaf shapes, allocated on the first insert."""

    def __init__(self, capacity: int):
        if capacity < 1:
            raise ValueError(f"capacity must be >= 1, got {capacity}")
        self.capacity = capacity
        self.size = 0
        self._next = 0  # Slot of the next insert.
        self._treedef = None
        self._storage: list[np.ndarray] = []  # One [capacity, ...] array per leaf.

    def add(self, transitions: types.Transition) -> None:
        """Appends n transitions (leaves [n, ...]), overwriting the oldest when full."""
        leaves, treedef = jax.tree_util.tree_flatten(transitions)
        leaves = [np.asarray(leaf) for leaf in leaves]
        if self._treedef is None:
            self._treedef = treedef
            self._storage = [np.zeros((self.capacity, *leaf.shape[1:]), leaf.dtype) for leaf in leaves]
        elif treedef != self._treedef:
            raise ValueError(f"transition structure changed: {treedef} != {self._treedef}")
        count = leaves[0].shape[0]
        slots = (self._next + np.arange(count)) % self.capacity
        for store, leaf in zip(self._storage, leaves):
            store[slots] = leaf
        self._next = int((self._next + count) % self.capacity)
        self.size = min(self.capacity, self.size + count)

    def gather(self, indices: np.ndarray) -> types.Transition:
        """Transitions at `indices` [...] (positions in [0, size)) -> leaves [..., ...]."""
        return jax.tree_util.tree_unflatten(self._treedef, [store[indices] for store in self._storage])
