"""RLDS episodes -> MT-Opt episode records and sparse-reward QT-Opt batches.

`load_episodes` reads chef RLDS directories (as written by
`chef.mtopt.collection`) into an in-memory `EpisodeTable`: the agent's
observations and actions of every step, the task each episode was collected
for (metadata `task_sequence[0]`), and a success label per family task. The
labels are recomputed from the stored privileged state with the family's
predicates (`chef.mtopt.rgb_tasks.final_state_from_observation`), so a family
with tasks the data was never collected for relabels old data; detector
labels can replace them (`with_labels`).

`TransitionBatches` turns sampled (episode, task) pairs into QT-Opt batches:
a uniformly drawn step of the episode, reward = the task's success label on
the episode's last transition and 0 before, discount = 0 on the last
transition and `gamma` before.
"""
import dataclasses
from typing import Iterator, Sequence

import numpy as np
import tensorflow_datasets as tfds

from chef import types
from chef.agents.qtopt.learning import TASK_ID
from chef.data import rlds_reader
from chef.mtopt import rgb_tasks
from chef.mtopt.impersonation import EpisodeRecord, episode_records
from chef.mtopt.rebalancing import PairSampler
from chef.mtopt.tasks import TaskFamily
from rgb_stacking_env.rewards import REWARD_STATE_KEY


@dataclasses.dataclass(frozen=True)
class EpisodeTable:
    """All steps of N episodes, concatenated (S steps in total)."""

    observations: dict[str, np.ndarray]  # {name: [S, ...]}
    actions: np.ndarray  # [S, A]; the last step of each episode holds a zero action.
    starts: np.ndarray  # [N] index of each episode's first step
    lengths: np.ndarray  # [N] steps per episode (>= 2)
    collected_for: tuple[str, ...]  # [N]
    labels: np.ndarray  # [N, T] bool success per family task
    seeds: np.ndarray  # [N] collection seed (for held-out splits)

    def __len__(self) -> int:
        return len(self.starts)

    def records(self, family: TaskFamily) -> list[EpisodeRecord]:
        """Impersonation records; episode ids are positions in the table."""
        return episode_records(list(range(len(self))), self.collected_for, self.labels, family)

    def with_labels(self, labels: np.ndarray) -> "EpisodeTable":
        """The same episodes with other success labels [N, T] (e.g. from a detector)."""
        labels = np.asarray(labels, bool)
        if labels.shape[0] != len(self):
            raise ValueError(f"labels must have {len(self)} rows, got {labels.shape}")
        return dataclasses.replace(self, labels=labels)


def predicate_labels(first_observation: dict, last_observation: dict, family: TaskFamily) -> np.ndarray:
    """[T] bool: the family's predicates on an episode's final observation."""
    green_half_height = rgb_tasks.resting_half_heights(first_observation)["green"]
    labels = family.success_labels(rgb_tasks.final_state_from_observation(last_observation, green_half_height))
    return np.asarray([labels[name] for name in family.names], bool)


def load_episodes(directories: rlds_reader.Directories, family: TaskFamily,
                  observation_keys: Sequence[str]) -> EpisodeTable:
    """Reads every episode of one RLDS directory or several (in order); labels from the family's predicates."""
    observations = {k: [] for k in observation_keys}
    actions, starts, lengths, collected_for, labels, seeds = [], [], [], [], [], []
    total = 0
    for directory in rlds_reader.as_directory_list(directories):
        for episode in tfds.as_numpy(rlds_reader.episode_dataset(directory, steps_as_tensors=True)):
            steps = episode["steps"]
            stored = steps["observation"]
            missing = [k for k in (*observation_keys, REWARD_STATE_KEY) if k not in stored]
            if missing:
                raise ValueError(f"{directory}: episodes lack observation(s) {missing}; they have {sorted(stored)}")
            task_sequence = [t.decode() if isinstance(t, bytes) else str(t) for t in episode["task_sequence"]]
            if not task_sequence:
                raise ValueError(f"{directory}: an episode has no task_sequence, so no collected-for task")
            length = len(steps["action"])
            if length < 2:
                continue  # No transition in it.
            for k in observation_keys:
                observations[k].append(stored[k])
            actions.append(steps["action"])
            starts.append(total)
            lengths.append(length)
            total += length
            collected_for.append(task_sequence[0])
            first = {REWARD_STATE_KEY: stored[REWARD_STATE_KEY][0]}
            last = {REWARD_STATE_KEY: stored[REWARD_STATE_KEY][-1]}
            labels.append(predicate_labels(first, last, family))
            seeds.append(int(episode["seed"]))
    if not starts:
        raise ValueError(f"{directories} holds no episode with at least one transition")
    unknown = sorted(set(collected_for) - set(family.names))
    if unknown:
        raise ValueError(f"{directories}: episodes collected for task(s) {unknown} outside the family {family.names}")
    return EpisodeTable({k: np.concatenate(v) for k, v in observations.items()}, np.concatenate(actions),
                        np.asarray(starts), np.asarray(lengths), tuple(collected_for), np.stack(labels),
                        np.asarray(seeds))


class TransitionBatches(Iterator[types.Transition]):
    """Endless QT-Opt batches from a pair sampler over a table's episodes."""

    def __init__(self, table: EpisodeTable, sampler: PairSampler, batch_size: int, gamma: float,
                 rng: np.random.Generator):
        if not 0.0 < gamma <= 1.0:
            raise ValueError(f"gamma must lie in (0, 1], got {gamma}")
        self._table, self._sampler, self._batch_size = table, sampler, batch_size
        self._gamma, self._rng = gamma, rng

    def __next__(self) -> types.Transition:
        pairs = self._sampler.sample(self._batch_size)
        episodes = pairs.episode_ids.astype(int)  # [B]
        num_transitions = self._table.lengths[episodes] - 1  # [B]
        step = self._rng.integers(0, num_transitions)  # [B]
        index = self._table.starts[episodes] + step  # [B]
        is_last = step == num_transitions - 1  # [B]
        success = self._table.labels[episodes, pairs.task_ids]  # [B]
        observations = self._table.observations
        return types.Transition(
            observation={k: v[index] for k, v in observations.items()},
            action=self._table.actions[index],
            reward=(is_last & success).astype(np.float32),
            discount=np.where(is_last, 0.0, self._gamma).astype(np.float32),
            next_observation={k: v[index + 1] for k, v in observations.items()},
            extras={TASK_ID: pairs.task_ids.astype(np.int32)})
