"""Multi-task n-step transition adder writing to Reverb through a TrajectoryWriter.

Each observation and action is sent once; an item references the start step's observation,
action and extras, the bootstrap observation up to n steps later, and one cell holding the
n-step reward vector [T] and bootstrap discount computed by `nstep.nstep_window`. Items are
`chef.types.Transition`s (see chef/types.py for the discount convention).

Writer steps: step t = {o_t, a_t, extras_t, and the n-step cell of the transition from t - n,
whose window closes at o_t}: one append and at most one item per `add`, like a plain 1-step
writer. At the end of an episode the final observation and the remaining (shorter) windows
are written, one extra step per n-step cell.
"""

import collections
from typing import Any, Mapping, Optional, Sequence

import dm_env
import numpy as np
import reverb

from chef import types
from chef.data import nstep

_NSTEP = "nstep"


class NStepTransitionAdder:
    """Adds n-step multi-task transitions of an actor's episodes to Reverb tables."""

    def __init__(
        self,
        client: reverb.Client,
        table: str | Sequence[str],
        n_step: int,
        discount: float,
        priority: float = 1.0,
        chunk_length: Optional[int] = None,
        max_in_flight_items: int = 5,
    ):
        if n_step < 1:
            raise ValueError(f"n_step must be >= 1, got {n_step}")
        if not 0.0 <= discount <= 1.0:
            raise ValueError(f"discount must be in [0, 1], got {discount}")
        self._tables = (table,) if isinstance(table, str) else tuple(table)
        if not self._tables:
            raise ValueError("at least one table is required")
        self._n_step = n_step
        self._gamma = discount
        self._priority = priority
        # Items sent but not yet confirmed before `add` blocks (Acme's default): the rate limiter
        # slows the actor instead of letting unsent items pile up in memory.
        if max_in_flight_items < 1:
            raise ValueError(f"max_in_flight_items must be >= 1, got {max_in_flight_items}")
        self._max_in_flight_items = max_in_flight_items
        # References for the window, its bootstrap step and the n end-of-episode cells.
        self._num_keep_alive_refs = 2 * n_step + 2
        self._writer = client.trajectory_writer(num_keep_alive_refs=self._num_keep_alive_refs)
        if chunk_length is not None and not 1 <= chunk_length <= self._num_keep_alive_refs:
            raise ValueError(f"chunk_length must be in [1, {self._num_keep_alive_refs}] or None, got {chunk_length}")
        # A sampled item ships whole chunks: chunks of 1 step send only the steps it references.
        self._chunk_length = chunk_length
        self._configured_layouts: set[tuple] = set()  # Step layouts whose columns have the chunk length,
        self._configured_paths: set[tuple] = set()  # and those columns (each configured once only).
        self._rewards: collections.deque = collections.deque()  # [T] per pending start step
        self._discounts: collections.deque = collections.deque()  # [] per pending start step
        self._observation: Optional[types.Observation] = None  # o_t, not yet written.
        self._step = 0  # t: writer step index of `self._observation`.

    def add_first(self, timestep: dm_env.TimeStep) -> None:
        if not timestep.first():
            raise ValueError(f"add_first needs a FIRST timestep, got step_type {timestep.step_type}")
        if self._observation is not None:  # An abandoned episode: drop its pending transitions.
            self._writer.end_episode(clear_buffers=True)
        self._rewards.clear()
        self._discounts.clear()
        self._observation = timestep.observation
        self._step = 0

    def add(
        self, action: np.ndarray, next_timestep: dm_env.TimeStep, extras: Optional[Mapping[str, Any]] = None
    ) -> None:
        if self._observation is None:
            raise ValueError("add called before add_first")
        if next_timestep.first():
            raise ValueError("add got a FIRST timestep; start a new episode with add_first")
        reward = np.asarray(next_timestep.reward, dtype=np.float32)
        if reward.ndim != 1:
            raise ValueError(f"timestep.reward must be a vector [T], got shape {reward.shape}")
        step = {"observation": self._observation, "action": np.asarray(action), "extras": dict(extras or {})}
        self._write_step(step, with_transition=len(self._rewards) == self._n_step)
        self._rewards.append(reward)
        self._discounts.append(np.float32(next_timestep.discount))
        self._observation = next_timestep.observation
        self._step += 1
        if next_timestep.last():
            self._write_step({"observation": self._observation}, with_transition=True)
            while self._rewards:
                self._write_step({}, with_transition=True)
            self._writer.end_episode()
            self._observation = None

    def _append(self, step: dict[str, Any]) -> None:
        self._writer.append(step)
        if self._chunk_length is None:
            return
        # Columns come into being on their first append; set the chunk length once per step layout
        # (a handful per episode: full steps, the final observation, the trailing n-step cells).
        layout = _layout(step)
        if layout in self._configured_layouts:
            return
        for path in set(layout) - self._configured_paths:
            self._writer.configure(
                path, num_keep_alive_refs=self._num_keep_alive_refs, max_chunk_length=self._chunk_length
            )
        self._configured_paths.update(layout)
        self._configured_layouts.add(layout)

    def _write_step(self, step: dict[str, Any], with_transition: bool) -> None:
        """Appends `step`, adding the transition of the oldest pending start if asked."""
        if not with_transition:
            self._append(step)
            return
        reward, discount = nstep.nstep_window(np.array(self._rewards), np.array(self._discounts), self._gamma)
        step[_NSTEP] = {"reward": reward, "discount": discount}
        self._append(step)
        self._create_items(start=self._step - len(self._rewards))
        self._rewards.popleft()
        self._discounts.popleft()

    def _create_items(self, start: int) -> None:
        history = self._writer.history
        observations = history["observation"]
        trajectory = types.Transition(
            observation={k: v[start] for k, v in observations.items()},
            action=history["action"][start],
            reward=history[_NSTEP]["reward"][-1],
            discount=history[_NSTEP]["discount"][-1],
            next_observation={k: v[self._step] for k, v in observations.items()},
            extras={k: v[start] for k, v in history["extras"].items()},
        )
        for table in self._tables:
            self._writer.create_item(table, self._priority, trajectory)
        self._writer.flush(self._max_in_flight_items)

    def close(self) -> None:
        self._writer.close()


def _layout(step: Mapping[str, Any]) -> tuple[tuple, ...]:
    """The column paths of a step (a dict of arrays and dicts of arrays), e.g.
    ('observation', 'rgb30_red/abs_pose'), in order."""
    return tuple(
        (key, *sub)
        for key, value in step.items()
        for sub in (((k,) for k in value) if isinstance(value, Mapping) else [()])
    )
