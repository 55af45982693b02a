"""Offline transitions held in memory: read from RLDS once, then sampled with numpy.

The tf.data path (`mixing.mixed_transition_iterator`) decodes, n-steps and shuffles every
transition again on each pass, about 33 ms of CPU per batch of 256 state transitions on this
project's machines (docs/agents.md). Here each source (a group of dataset directories) is read
once, with the same `TransitionOptions` (filters, relabelling, n-step returns), into a
`TransitionBuffer`; a batch is then one numpy gather per source: `counts[i]` transitions drawn
uniformly, with replacement, from source i, first source first (as `mixing.mix` orders them).

Loading moves whole episodes (tf.data elements [L - 1, ...]), not single transitions. Every
transition is kept with its observation and next observation, so this is for state observations:
about 2.4 kB per transition, 0.24 GB per 100k.
"""

from typing import Iterator, Optional, Sequence

import jax
import numpy as np
from tqdm import tqdm

from chef import types
from chef.data import layout, mixing, rlds_reader, specs
from chef.data.buffer import TransitionBuffer


def load(
    directories: rlds_reader.Directories, options: rlds_reader.TransitionOptions, progress: bool = False
) -> TransitionBuffer:
    """Every n-step transition of `directories` that passes `options.episode_filter`, in a buffer
    sized by the datasets' indexes; DatasetError names a corrupt shard, ValueError an empty result."""
    directories = rlds_reader.as_directory_list(directories)
    capacity = sum(max(entry["length"] - 1, 0) for d in directories for entry in layout.episode_index(d))
    if capacity == 0:
        raise ValueError(f"no transitions in {[str(d) for d in directories]}")
    buffer = TransitionBuffer(capacity)
    with tqdm(total=capacity, desc="load transitions", unit="tr", disable=not progress, mininterval=5.0) as bar:
        for directory in directories:
            per_episode = rlds_reader.transitions_per_episode(directory, options).prefetch(4)
            for transitions in rlds_reader.NumpyBatches(per_episode, [directory]):
                buffer.add(transitions)
                bar.update(len(transitions.action))
    if buffer.size == 0:
        raise ValueError(f"no transitions passed the episode filter in {[str(d) for d in directories]}")
    return buffer


class MixedBatches(Iterator[types.Transition]):
    """Endless batches [B, ...]: `per_batch_counts(proportions, B)[i]` uniform draws from `buffers[i]`."""

    def __init__(
        self,
        buffers: Sequence[TransitionBuffer],
        proportions: Sequence[float],
        batch_size: int,
        seed: Optional[int] = None,
    ):
        if len(buffers) != len(proportions):
            raise ValueError(f"got {len(buffers)} sources but {len(proportions)} proportions")
        self.buffers = list(buffers)
        self._parts = [(b, n) for b, n in zip(self.buffers, mixing.per_batch_counts(proportions, batch_size)) if n > 0]
        self._rng = np.random.default_rng(seed)

    def __next__(self) -> types.Transition:
        parts = [buffer.gather(self._rng.integers(0, buffer.size, count)) for buffer, count in self._parts]
        return parts[0] if len(parts) == 1 else jax.tree_util.tree_map(lambda *x: np.concatenate(x), *parts)


def check_compatible(
    sources: Sequence[rlds_reader.Directories], options: Sequence[rlds_reader.TransitionOptions]
) -> None:
    """DatasetError if the sources' transitions differ in keys, shapes or dtypes (nothing is read)."""
    specs.check_compatible(
        {
            str(d): rlds_reader.transition_dataset(d, o, shuffle_buffer=1, repeat=False).element_spec
            for d, o in zip(sources, options, strict=True)
        }
    )
