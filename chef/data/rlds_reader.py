"""RLDS episodes -> multi-task n-step `Transition`s as a tf.data pipeline.

Episodes are read with plain tf.data from the shards and counts of the dataset's index
(layout.py): only committed episodes, whether or not the writer is still appending or has closed.

The n-step rewards and discounts come from `chef.data.nstep.nstep_targets`, the episode form
of the Reverb adder's arithmetic, so offline and online learners see identical targets (a test
feeds the same episodes to both).
"""

import dataclasses
import functools
import os
from typing import Iterator, Optional, Sequence

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

from chef import types
from chef.data import filters, layout, nstep, specs
from chef.data import relabel as relabel_lib


@dataclasses.dataclass(frozen=True)
class TransitionOptions:
    """How episodes become transitions."""

    n_step: int = 5
    discount: float = 0.99
    observation_keys: Optional[tuple[str, ...]] = None  # None: every key not starting 'privileged/'.
    relabel: Optional[relabel_lib.Relabel] = None  # None: the stored rewards.
    episode_filter: Optional[filters.EpisodeFilter] = None
    # Adds extras[DEMONSTRATION] [L - 1]: 1 in episodes of the scripted policy (task_sequence
    # ('scripted',)), as the online adder marks them; else extras are empty.
    demonstration_mark: bool = False

    def __post_init__(self):
        if self.n_step < 1:
            raise ValueError(f"n_step must be >= 1, got {self.n_step}")
        if not 0.0 <= self.discount <= 1.0:
            raise ValueError(f"discount must be in [0, 1], got {self.discount}")


def _decode_batch(feature: tfds.features.FeatureConnector, serialized):
    # Per leaf: FeaturesDict.decode_batch_example would tf.map_fn over every step.
    if isinstance(feature, tfds.features.FeaturesDict):
        return {name: _decode_batch(child, serialized[name]) for name, child in feature.items()}
    return feature.decode_batch_example(serialized)


class _StepsAsTensors(tfds.decode.Decoder):
    """Decodes an episode's steps at once into tensors {name: [L, ...]} (no nested dataset)."""

    def decode_example(self, serialized_steps):
        return _decode_batch(self.feature.feature, serialized_steps)


_SHUFFLED_SHARDS_READ_AT_ONCE = 16


def episode_dataset(
    directory: str | os.PathLike,
    shuffle_files: bool = False,
    seed: Optional[int] = None,
    steps_as_tensors: bool = False,
) -> tf.data.Dataset:
    """The dataset's committed episodes (in order unless `shuffle_files`), after checking every shard.

    Reads each shard's committed records with plain tf.data and decodes them with the dataset's
    TFDS features (no dataset_info.json needed). `shuffle_files` shuffles the shard order and
    reads up to 16 shards at once, one episode from each in turn. Steps are an RLDS nested
    tf.data.Dataset, or with `steps_as_tensors` a dict of [L, ...] tensors (faster when whole
    episodes are processed).
    """
    dataset_layout = layout.load_layout(directory)
    features = tfds.features.FeatureConnector.from_config(str(directory))
    shards = tf.data.Dataset.from_tensor_slices(
        ([str(p) for p in dataset_layout.shard_paths], np.asarray(dataset_layout.shard_lengths, np.int64))
    )

    def committed(path, count):
        return tf.data.TFRecordDataset(path).take(count)  # Never a record being written after them.

    deterministic = seed is not None or not shuffle_files
    if shuffle_files:
        shards = shards.shuffle(len(dataset_layout.shard_lengths), seed=seed, reshuffle_each_iteration=True)
        records = shards.interleave(
            committed,
            cycle_length=min(_SHUFFLED_SHARDS_READ_AT_ONCE, len(dataset_layout.shard_lengths)),
            block_length=1,
            num_parallel_calls=tf.data.AUTOTUNE,
            deterministic=deterministic,
        )
    else:
        records = shards.flat_map(committed)
    decoders = {"steps": _StepsAsTensors()} if steps_as_tensors else None
    episodes = records.map(
        lambda record: features.deserialize_example(record, decoders=decoders),
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=deterministic,
    )
    return episodes.apply(tf.data.experimental.assert_cardinality(dataset_layout.num_episodes))


def episode_returns(directory: str | os.PathLike) -> np.ndarray:
    """Each committed episode's summed reward per task (`layout.load_layout(directory).task_names`
    order). -> [episodes, tasks]"""
    num_tasks = len(layout.load_layout(directory).task_names)
    totals = [
        episode["steps"]["reward"].sum(0)
        for episode in tfds.as_numpy(episode_dataset(directory, steps_as_tensors=True))
    ]
    return np.asarray(totals, np.float64).reshape(len(totals), num_tasks)


def _select_observations(observations: dict, keys: Optional[Sequence[str]]) -> dict:
    if keys is None:
        return {k: v for k, v in observations.items() if not k.startswith("privileged/")}
    missing = [k for k in keys if k not in observations]
    if missing:
        raise ValueError(f"observation key(s) {missing} not in the dataset; it has {sorted(observations)}")
    return {k: observations[k] for k in keys}


def _nstep(rewards: np.ndarray, discounts: np.ndarray, n_step: int, gamma: float):
    targets = nstep.nstep_targets(rewards, discounts, n_step, gamma)
    return targets.reward, targets.discount, targets.next_index


def demonstration_mark(task_sequence: tf.Tensor, num_transitions: tf.Tensor) -> tf.Tensor:
    """[num_transitions] float32: 1 for an episode of the scripted policy, else 0."""
    scripted = tf.logical_and(tf.equal(tf.size(task_sequence), 1), tf.reduce_all(tf.equal(task_sequence, SCRIPTED)))
    return tf.fill([num_transitions], tf.cast(scripted, tf.float32))


SCRIPTED = "scripted"  # The task_sequence of a scripted episode.


def episode_transitions(
    steps: dict, options: TransitionOptions, task_sequence: Optional[tf.Tensor] = None
) -> types.Transition:
    """The L - 1 n-step transitions [L - 1, ...] of an episode's steps {name: [L, ...]};
    `task_sequence` (the episode's metadata) is needed for `options.demonstration_mark`."""
    observations = steps["observation"]
    rewards = steps["reward"]  # [L, T]
    if options.relabel is not None:
        rewards = relabel_lib.relabel_episode_rewards(observations, options.relabel)
    num_tasks = rewards.shape[-1]
    reward, discount, next_index = tf.numpy_function(
        lambda r, d: _nstep(r, d, options.n_step, options.discount),
        [rewards[:-1], steps["discount"][:-1]],
        [tf.float32, tf.float32, tf.int64],
        stateful=False,
    )
    next_index = tf.ensure_shape(next_index, [None])  # [L - 1]
    observations = _select_observations(observations, options.observation_keys)
    transitions = types.Transition(
        observation={k: v[:-1] for k, v in observations.items()},
        action=steps["action"][:-1],
        reward=tf.ensure_shape(reward, [None, num_tasks]),  # [L - 1, T]
        discount=tf.ensure_shape(discount, [None]),  # [L - 1]
        next_observation={k: tf.gather(v, next_index) for k, v in observations.items()},
        extras={},
    )
    if options.demonstration_mark:
        transitions.extras[types.DEMONSTRATION] = demonstration_mark(task_sequence, tf.shape(next_index)[0])
    return transitions


Directories = str | os.PathLike | Sequence[str | os.PathLike]


def as_directory_list(directories: Directories) -> list[str | os.PathLike]:
    """One directory or several -> a non-empty list."""
    directories = [directories] if isinstance(directories, (str, os.PathLike)) else list(directories)
    if not directories:
        raise ValueError("at least one dataset directory is required")
    return directories


def transitions_per_episode(
    directory: str | os.PathLike,
    options: TransitionOptions,
    shuffle_files: bool = False,
    repeat: bool = False,
    seed: Optional[int] = None,
) -> tf.data.Dataset:
    """One element per episode of `directory` that passes the filter: its transitions [L - 1, ...];
    in the stored order unless the files are shuffled without a seed."""
    episodes = episode_dataset(directory, shuffle_files=shuffle_files, seed=seed, steps_as_tensors=True)
    if options.episode_filter is not None:
        episodes = episodes.filter(options.episode_filter)
    if repeat:
        episodes = episodes.repeat()
    return episodes.map(
        lambda episode: episode_transitions(episode["steps"], options, episode["task_sequence"]),
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=seed is not None or not shuffle_files,
    )


def transition_dataset(
    directories: Directories,
    options: TransitionOptions,
    *,
    shuffle_buffer: int = 10_000,
    repeat: bool = True,
    seed: Optional[int] = None,
) -> tf.data.Dataset:
    """Unbatched, shuffled n-step `Transition`s of one dataset directory or several (e.g. one per
    actor; sampled in proportion to their episode counts). Incompatible directories are refused."""
    directories = as_directory_list(directories)
    sources = [transitions_per_episode(d, options, shuffle_buffer > 1, repeat, seed).unbatch() for d in directories]
    specs.check_compatible({str(d): source.element_spec for d, source in zip(directories, sources)})
    if len(sources) == 1:
        transitions = sources[0]
    elif repeat:
        episodes = np.array([layout.load_layout(d).num_episodes for d in directories], np.float64)
        transitions = tf.data.Dataset.sample_from_datasets(sources, weights=list(episodes / episodes.sum()), seed=seed)
    else:
        transitions = functools.reduce(tf.data.Dataset.concatenate, sources)
    if shuffle_buffer > 1:
        transitions = transitions.shuffle(shuffle_buffer, seed=seed)
    return transitions


def batch(dataset: tf.data.Dataset, batch_size: int, prefetch: int = 4) -> tf.data.Dataset:
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    return dataset.batch(batch_size, drop_remainder=True).prefetch(prefetch)


class NumpyBatches(Iterator[types.Transition]):
    """Numpy `Transition` batches of a dataset; a shard found corrupt raises DatasetError naming it."""

    def __init__(self, dataset: tf.data.Dataset, directories: Directories):
        self._iterator = dataset.as_numpy_iterator()
        self._directories = as_directory_list(directories)

    def __next__(self) -> types.Transition:
        try:
            return types.Transition(*next(self._iterator))
        except (tf.errors.DataLossError, tf.errors.NotFoundError, tf.errors.InvalidArgumentError) as e:
            corrupt = [p for d in self._directories for p in layout.find_corrupt_shards(layout.load_layout(d))]
            if corrupt:
                raise layout.DatasetError(f"corrupt dataset shard(s): {[str(p) for p in corrupt]}") from e
            raise


def make_transition_iterator(
    directories: Directories, batch_size: int, options: TransitionOptions, **kwargs
) -> Iterator[types.Transition]:
    """Numpy batches (endless unless repeat=False): reward [B, T], discount [B],
    observation {name: [B, ...]}. Keyword arguments go to `transition_dataset`."""
    dataset = batch(transition_dataset(directories, options, **kwargs), batch_size)
    return NumpyBatches(dataset, directories)
