"""Saving and restoring a learner's full training state with orbax (bit-exact)."""

import os
from typing import TypeVar

import jax
import orbax.checkpoint as ocp

State = TypeVar("State")


def save_state(path: str | os.PathLike, state: State) -> None:
    """Writes `state` (any pytree of arrays, e.g. TrainingState) to the new directory `path`."""
    with ocp.StandardCheckpointer() as checkpointer:
        checkpointer.save(os.path.abspath(path), state)


def restore_state(path: str | os.PathLike, like: State) -> State:
    """Reads the state saved at `path`, with the tree structure, shapes and dtypes of `like`."""
    path = os.path.abspath(path)
    if not os.path.isdir(path):
        raise FileNotFoundError(f"no checkpoint at {path}")
    abstract = jax.tree_util.tree_map(ocp.utils.to_shape_dtype_struct, like)
    with ocp.StandardCheckpointer() as checkpointer:
        return checkpointer.restore(path, abstract)
