"""Batches drawn from several datasets in fixed proportions, exactly per batch.

CHEF's fine-tuning takes each mini-batch half from the COLLECT data and half from the EXECUTE
data: `mix([collect, execute], [0.5, 0.5], batch_size=256)` gives 128 + 128 in every batch.
Sources are any unbatched tf.data datasets with equal element specs: RLDS transitions
(`mixed_transition_iterator`) or Reverb tables (`replay.dataset`).
"""

from typing import Iterator, Optional, Sequence

import numpy as np
import tensorflow as tf

from chef import types
from chef.data import rlds_reader, specs


def per_batch_counts(proportions: Sequence[float], batch_size: int) -> list[int]:
    """Integer counts summing to batch_size, closest to proportions (largest remainder)."""
    weights = np.asarray(proportions, dtype=np.float64)
    if weights.ndim != 1 or len(weights) == 0 or np.any(weights < 0) or weights.sum() <= 0:
        raise ValueError(f"proportions must be non-negative with a positive sum, got {list(proportions)}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    exact = weights / weights.sum() * batch_size
    counts = np.floor(exact).astype(int)
    by_remainder = np.argsort(-(exact - counts), kind="stable")
    counts[by_remainder[: batch_size - counts.sum()]] += 1
    if np.any((weights > 0) & (counts == 0)):
        raise ValueError(
            f"batch_size {batch_size} is too small to give every source with positive "
            f"proportion {list(proportions)} at least one item per batch"
        )
    return counts.tolist()


def mix(
    datasets: Sequence[tf.data.Dataset], proportions: Sequence[float], batch_size: int, prefetch: int = 4
) -> tf.data.Dataset:
    """Batches whose first counts[0] items come from datasets[0], the next counts[1] from
    datasets[1], ... (see `per_batch_counts`). Datasets are unbatched with equal element specs."""
    if len(datasets) != len(proportions):
        raise ValueError(f"got {len(datasets)} datasets but {len(proportions)} proportions")
    counts = per_batch_counts(proportions, batch_size)
    parts = tuple(ds.batch(n, drop_remainder=True) for ds, n in zip(datasets, counts) if n > 0)
    mixed = tf.data.Dataset.zip(parts).map(
        lambda *batches: tf.nest.map_structure(lambda *xs: tf.concat(xs, axis=0), *batches),
        num_parallel_calls=tf.data.AUTOTUNE,
    )
    return mixed.prefetch(prefetch)


def mixed_transition_iterator(
    sources: Sequence[rlds_reader.Directories],
    proportions: Sequence[float],
    batch_size: int,
    options: rlds_reader.TransitionOptions | Sequence[rlds_reader.TransitionOptions],
    *,
    shuffle_buffer: int = 10_000,
    seed: Optional[int] = None,
) -> Iterator[types.Transition]:
    """Numpy batches mixing the n-step transitions of several sources (each one dataset
    directory or a list of them, e.g. all actors of a stage).

    `options` is shared or one per source (e.g. a success filter on one source only). The
    sources' transition specs must agree; otherwise DatasetError names both and the key.
    """
    per_source = [options] * len(sources) if isinstance(options, rlds_reader.TransitionOptions) else list(options)
    if len(per_source) != len(sources):
        raise ValueError(f"got {len(per_source)} options for {len(sources)} sources")
    datasets = [
        rlds_reader.transition_dataset(d, o, shuffle_buffer=shuffle_buffer, seed=seed)
        for d, o in zip(sources, per_source)
    ]
    specs.check_compatible({str(d): ds.element_spec for d, ds in zip(sources, datasets)})
    all_directories = [d for source in sources for d in rlds_reader.as_directory_list(source)]
    return rlds_reader.NumpyBatches(mix(datasets, proportions, batch_size), all_directories)
