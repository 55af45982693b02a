"""Replay resident in the learner process, fed by the actors through a Reverb queue.

Actors' adders write every n-step transition once, to the Reverb queue table `inbox`; a thread
in the learner moves them into `TransitionBuffer`, a numpy ring buffer (FIFO removal) that the
learner samples uniformly. Each transition crosses Reverb once instead of
`samples_per_insert` times, and a batch is one numpy gather instead of B Reverb samples.

`SampleToInsertRatio` keeps Reverb's rate-limiter semantics (`tables.replay_rate_limiter`):
sampling waits while the learner is too far ahead of the inserts, and inserting waits while it
is too far behind; then the inbox fills up and the actors' adders block, as they would on a
Reverb replay table.
"""

import dataclasses
import threading
import time
from typing import Iterator, Optional

import jax
import numpy as np
import reverb

from chef import types
from chef.data.buffer import TransitionBuffer
from chef.replay import tables

READ_BATCH = 32  # Inbox items moved per read.


@dataclasses.dataclass
class SampleToInsertRatio:
    """Reverb's SampleToInsertRatio (or MinSize when `samples_per_insert` is None), counted in
    transitions: sample n only if size >= min_size and inserts * spi - (samples + n) >= min_diff;
    insert n only while the table is warming up or (inserts + n) * spi - samples <= max_diff."""

    samples_per_insert: Optional[float]
    min_size: int
    error_buffer: float
    inserts: int = 0
    samples: int = 0

    @classmethod
    def from_config(cls, config: tables.ReplayConfig) -> "SampleToInsertRatio":
        spi = config.samples_per_insert
        return cls(spi, config.min_size, 0.0 if spi is None else tables.error_buffer(config))

    def _diff(self) -> float:
        return self.inserts * self.samples_per_insert - self.samples

    def sample_allowance(self, size: int) -> int:
        """How many transitions may be sampled now from a buffer holding `size`."""
        if size < self.min_size:
            return 0
        if self.samples_per_insert is None:
            return np.iinfo(np.int64).max
        min_diff = self.samples_per_insert * self.min_size - self.error_buffer
        return max(0, int(np.floor(self._diff() - min_diff)))

    def insert_allowance(self, size: int) -> int:
        """How many transitions may be inserted now into a buffer holding `size`."""
        if self.samples_per_insert is None:
            return np.iinfo(np.int64).max
        warm_up = self.min_size - size  # Free until the table holds min_size.
        max_diff = self.samples_per_insert * self.min_size + self.error_buffer
        by_ratio = int(np.floor((max_diff + self.samples) / self.samples_per_insert)) - self.inserts
        return max(0, warm_up, by_ratio)


class ResidentReplay:
    """The learner's replay: a `TransitionBuffer` filled from the Reverb queue `inbox_table` by a
    daemon thread, sampled under `SampleToInsertRatio`. `batches(B)` is the learner's iterator."""

    def __init__(self, config: tables.ReplayConfig, seed: int):
        self.config = config
        self.buffer = TransitionBuffer(config.max_size)
        self.limiter = SampleToInsertRatio.from_config(config)
        self._rng = np.random.default_rng(seed)
        self._condition = threading.Condition()
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._error: Optional[BaseException] = None
        self.wait_s = 0.0  # Time `sample` spent waiting for inserts.

    def add(self, transitions: types.Transition, count_samples: int = 0) -> None:
        """Inserts transitions without rate limiting (a refill from disk); `count_samples` of them
        are counted as already sampled, within what the limiter allows."""
        with self._condition:
            self.buffer.add(transitions)
            self.limiter.inserts += jax.tree_util.tree_leaves(transitions)[0].shape[0]
            if self.limiter.samples_per_insert is not None:
                self.limiter.samples += min(count_samples, self.limiter.sample_allowance(self.buffer.size))
            self._condition.notify_all()

    def _insert(self, transitions: types.Transition) -> None:
        """Inserts transitions [n, ...], each as soon as the limiter allows it."""
        count = jax.tree_util.tree_leaves(transitions)[0].shape[0]
        done = 0
        with self._condition:
            while done < count and not self._stop.is_set():
                allowed = min(self.limiter.insert_allowance(self.buffer.size), count - done)
                if allowed == 0:
                    self._condition.wait(0.5)
                    continue
                self.buffer.add(jax.tree_util.tree_map(lambda x, a=done, b=done + allowed: x[a:b], transitions))
                self.limiter.inserts += allowed
                done += allowed
                self._condition.notify_all()

    def start(self, server_address: str) -> None:
        """Starts moving items from the server's inbox table into the buffer."""
        self._thread = threading.Thread(
            target=self._read, args=(server_address,), daemon=True, name="chef-inbox-reader"
        )
        self._thread.start()

    def _read(self, server_address: str) -> None:
        try:
            while not self._stop.is_set():
                # Items in batches of up to READ_BATCH (tf.data's per-element Python cost dominated
                # unbatched reading); the dataset ends, with its partial batch, after 0.2 s without
                # items, so that a slow trickle and `stop` are seen.
                items = reverb.TrajectoryDataset.from_table_signature(
                    server_address=server_address,
                    table=self.config.inbox_table,
                    max_in_flight_samples_per_worker=READ_BATCH,
                    num_workers_per_iterator=1,
                    rate_limiter_timeout_ms=200,
                ).batch(READ_BATCH)
                for batch in items.as_numpy_iterator():
                    self._insert(types.Transition(*batch.data))
                    if self._stop.is_set():
                        return
        except BaseException as e:  # pylint: disable=broad-except  Re-raised by `sample`.
            if not self._stop.is_set():
                with self._condition:
                    self._error = e
                    self._condition.notify_all()

    def stop(self) -> None:
        self._stop.set()
        with self._condition:
            self._condition.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5.0)

    def sample(self, batch_size: int) -> types.Transition:
        """A uniformly sampled batch, leaves [B, ...]; waits (as Reverb's rate limiter would) for
        inserts, drawing each index from the buffer as it is when the limiter allows it."""
        drawn = 0
        parts = []
        with self._condition:
            while drawn < batch_size:
                allowance = self.limiter.sample_allowance(self.buffer.size)
                if allowance == 0:
                    if self._error is not None:
                        raise RuntimeError(f"replay inbox reader failed: {self._error!r}") from self._error
                    start = time.monotonic()
                    self._condition.wait(0.5)
                    self.wait_s += time.monotonic() - start
                    continue
                count = min(allowance, batch_size - drawn)
                part = self._rng.integers(0, self.buffer.size, count)
                # Gather now: later inserts may overwrite these slots.
                parts.append(self.buffer.gather(part))
                drawn += count
                self.limiter.samples += count
                self._condition.notify_all()
        return parts[0] if len(parts) == 1 else jax.tree_util.tree_map(lambda *x: np.concatenate(x), *parts)

    def batches(self, batch_size: int) -> Iterator[types.Transition]:
        """Endless batches [B, ...] for a learner."""
        while True:
            yield self.sample(batch_size)

    def counters(self) -> dict[str, float]:
        """Replay figures for the learner's metrics."""
        with self._condition:
            return {
                "replay_size": self.buffer.size,
                "replay_inserts": self.limiter.inserts,
                "replay_samples": self.limiter.samples,
                "replay_wait_s": self.wait_s,
            }
