"""Reverb tables built from a validated `ReplayConfig`.

`data_path` decides where the learner samples from:
- 'learner': actors write each transition once to `inbox`, a FIFO queue the learner
  drains into a replay buffer in its own process (`chef.replay.resident`), rate-limited there.
- 'reverb' (default): the learner samples the Reverb table `replay` (several learners may share it).

Tables:
- `inbox` ('learner' path): a queue of `inbox_size` items; full, it blocks the actors' adders.
- `replay` ('reverb' path): uniform sampling, FIFO removal, rate-limited by samples-per-insert (with an error
  buffer) once `min_size` items are in, or only by `min_size` when samples_per_insert is None.
- `queue` (optional, queue_size > 0): a FIFO queue every item is read from once, for mixing
  fresh online data with replay.
- `variables`: one item, the newest published policy parameters (see variables.py).
"""

import dataclasses
from typing import Any, Mapping, Optional

import reverb
import tensorflow as tf

from chef import types
from chef.utils.config import require


@dataclasses.dataclass(frozen=True)
class ReplayConfig:
    """Replay server tables (names, sizes, rate limiting)."""

    data_path: str = "reverb"  # 'reverb' | 'learner' (see the module docstring).
    replay_table: str = "replay"
    max_size: int = 1_000_000
    min_size: int = 1_000
    samples_per_insert: Optional[float] = 32.0  # None: no ratio limit, only min_size.
    samples_per_insert_tolerance: float = 0.1  # Error buffer, relative to min_size * spi.
    queue_table: str = "queue"
    queue_size: int = 0  # 0: no queue table.
    variables_table: str = "variables"
    inbox_table: str = "inbox"
    inbox_size: int = 1_000

    def __post_init__(self):
        require(self.data_path in DATA_PATHS, f"data_path must be one of {DATA_PATHS}, got {self.data_path!r}")
        names = (self.replay_table, self.queue_table, self.variables_table, self.inbox_table)
        require(all(names) and len(set(names)) == 4, f"table names must be distinct and non-empty, got {names}")
        require(self.inbox_size >= 1, f"inbox_size must be >= 1, got {self.inbox_size}")
        require(
            not (self.queue_size and self.data_path == "learner"),
            f"queue_size > 0 (a mixing queue) needs data_path='reverb', got data_path={self.data_path!r}",
        )
        require(self.max_size >= 1, f"max_size must be >= 1, got {self.max_size}")
        require(
            1 <= self.min_size <= self.max_size,
            f"min_size must be in [1, max_size={self.max_size}], got {self.min_size}",
        )
        require(
            self.samples_per_insert is None or self.samples_per_insert > 0,
            f"samples_per_insert must be > 0 or None, got {self.samples_per_insert}",
        )
        require(
            self.samples_per_insert_tolerance > 0,
            f"samples_per_insert_tolerance must be > 0, got {self.samples_per_insert_tolerance}",
        )
        require(self.queue_size >= 0, f"queue_size must be >= 0, got {self.queue_size}")

    @property
    def data_tables(self) -> tuple[str, ...]:
        """Tables an adder writes every transition to."""
        if self.data_path == "learner":
            return (self.inbox_table,)
        return (self.replay_table, self.queue_table) if self.queue_size else (self.replay_table,)


DATA_PATHS = ("learner", "reverb")


def error_buffer(config: ReplayConfig) -> float:
    """How far (in samples) sampling may run ahead of or behind samples_per_insert: as in Acme, a
    fraction of the warm-up, at least 2 inserts."""
    spi = config.samples_per_insert
    return max(config.min_size * config.samples_per_insert_tolerance * spi, 2 * spi)


def replay_rate_limiter(config: ReplayConfig) -> reverb.rate_limiters.RateLimiter:
    if config.samples_per_insert is None:
        return reverb.rate_limiters.MinSize(config.min_size)
    return reverb.rate_limiters.SampleToInsertRatio(
        samples_per_insert=config.samples_per_insert,
        min_size_to_sample=config.min_size,
        error_buffer=error_buffer(config),
    )


def variables_table(name: str) -> reverb.Table:
    """Holds only the newest parameters; sampling never consumes or blocks on them once published."""
    return reverb.Table(
        name=name,
        sampler=reverb.selectors.Lifo(),
        remover=reverb.selectors.Fifo(),
        max_size=1,
        max_times_sampled=0,
        rate_limiter=reverb.rate_limiters.MinSize(1),
    )


def _tensor_spec(x: Any) -> tf.TensorSpec:
    return tf.TensorSpec(tuple(x.shape), tf.as_dtype(x.dtype))


def transition_signature(
    observation_spec: Mapping[str, Any],
    action_spec: Any,
    num_tasks: int,
    extras_spec: Optional[Mapping[str, Any]] = None,
) -> types.Transition:
    """The `Transition` of tf.TensorSpecs an item holds, from dm_env specs or example arrays
    (anything with .shape and .dtype)."""
    observation = {k: _tensor_spec(v) for k, v in observation_spec.items()}
    return types.Transition(
        observation=observation,
        action=_tensor_spec(action_spec),
        reward=tf.TensorSpec((num_tasks,), tf.float32),
        discount=tf.TensorSpec((), tf.float32),
        next_observation=dict(observation),
        extras={k: _tensor_spec(v) for k, v in (extras_spec or {}).items()},
    )


def make_tables(config: ReplayConfig, signature: Optional[types.Transition] = None) -> list[reverb.Table]:
    """The server's tables; `signature` (see `transition_signature`) types the data tables so
    readers can start before the first insert and malformed items are refused."""
    if config.data_path == "learner":
        return [
            variables_table(config.variables_table),
            reverb.Table.queue(name=config.inbox_table, max_size=config.inbox_size, signature=signature),
        ]
    tables = [
        reverb.Table(
            name=config.replay_table,
            sampler=reverb.selectors.Uniform(),
            remover=reverb.selectors.Fifo(),
            max_size=config.max_size,
            rate_limiter=replay_rate_limiter(config),
            signature=signature,
        ),
        variables_table(config.variables_table),
    ]
    if config.queue_size:
        tables.append(reverb.Table.queue(name=config.queue_table, max_size=config.queue_size, signature=signature))
    return tables
