"""Sampling batches of n-step transitions from a Reverb table as numpy `Transition`s."""

from typing import Iterator, Optional, Sequence

import reverb
import tensorflow as tf

from chef import types
from chef.data import mixing

tf.config.set_visible_devices([], "GPU")  # The learner's accelerator belongs to JAX.


def _samples(
    server_address: str,
    table: str,
    in_flight: int,
    num_workers_per_iterator: int,
    get_signature_timeout_secs: Optional[int],
) -> tf.data.Dataset:
    """Unbatched ReplaySamples of `table`; its signature is read from the server, so the table
    must be typed (see `tables.transition_signature`) or hold an item already."""
    return reverb.TrajectoryDataset.from_table_signature(
        server_address=server_address,
        table=table,
        max_in_flight_samples_per_worker=in_flight,
        num_workers_per_iterator=num_workers_per_iterator,
        get_signature_timeout_secs=get_signature_timeout_secs,
    )


def _as_transition(sample: reverb.ReplaySample) -> types.Transition:
    return types.Transition(*sample.data)  # Drops sample.info.


def make_replay_dataset(
    server_address: str,
    table: str,
    batch_size: int,
    *,
    max_in_flight_samples_per_worker: Optional[int] = None,
    num_workers_per_iterator: int = -1,
    prefetch: int = 4,
    get_signature_timeout_secs: Optional[int] = 60,
) -> tf.data.Dataset:
    """A tf.data pipeline of batched `Transition`s sampled from `table`."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    samples = _samples(
        server_address,
        table,
        max_in_flight_samples_per_worker or 2 * batch_size,
        num_workers_per_iterator,
        get_signature_timeout_secs,
    )
    return samples.batch(batch_size, drop_remainder=True).map(_as_transition).prefetch(prefetch)


def make_mixed_replay_dataset(
    server_address: str,
    tables: Sequence[str],
    proportions: Sequence[float],
    batch_size: int,
    prefetch: int = 4,
    get_signature_timeout_secs: Optional[int] = 60,
) -> tf.data.Dataset:
    """Batches with fixed shares from several tables, e.g. fresh items from the FIFO queue and
    replayed ones: `make_mixed_replay_dataset(address, ['queue', 'replay'], [0.25, 0.75], 256)`."""
    sources = [
        _samples(server_address, table, 2 * batch_size, -1, get_signature_timeout_secs).map(_as_transition)
        for table in tables
    ]
    return mixing.mix(sources, proportions, batch_size, prefetch)


def make_replay_iterator(server_address: str, table: str, batch_size: int, **kwargs) -> Iterator[types.Transition]:
    """Endless iterator of numpy `Transition` batches: reward [B, T], discount [B], ...

    Keyword arguments go to `make_replay_dataset`.
    """
    dataset = make_replay_dataset(server_address, table, batch_size, **kwargs)
    return (types.Transition(*batch) for batch in dataset.as_numpy_iterator())
