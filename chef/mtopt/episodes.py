"""RLDS episodes -> MT-Opt episode records and sparse-reward QT-Opt batches.

`load_episodes` reads chef RLDS directories (as written by
`chef.mtopt.collection`) into an in-memory `EpisodeTable`: the agent's
observations and actions of every step, the task each episode was collected
for (metadata `task_sequence[0]`), and a success label per family task. The
labels are recomputed from the stored privileged state with the family's
predicates (`chef.mtopt.rgb_tasks.final_state_from_observation`), so a family
with tasks the data was never collected for relabels old data; detector
labels can replace them (`with_labels`).

`TransitionBatches` turns sampled (episode, task) pairs into QT-Opt batches of a
uniformly drawn step of the episode. How rewards arrive follows where the episodes
ended (`collection.EPISODE_ENDS`):
- 'success': the task's success is absorbing. A transition into a state where the
  task's predicate holds (`step_labels`) gets reward 1 and discount 0; every other
  transition gets reward 0 and discount `gamma`, the last one of an episode cut at
  its step limit included (it bootstraps from the final state). Acting sooner earns
  more, so Q depends on the action wherever success is reachable.
- 'deadline': reward = the task's success label on the episode's last transition
  and 0 before, discount = 0 on the last transition and `gamma` before.
With `n_step` > 1 a target sums the next n transitions' rewards as above and bootstraps from the
state n decisions later (or from the last state of a cut episode; chef.data.nstep, the n-step
arithmetic of CHEF's adder and reader). The n - 1 actions in between are the data's
(uncorrected off-policy returns, as in Ape-X and R2D2).
With `terminate_fraction` > 0 the actions get
MT-Opt's TERMINATE switch (`chef.mtopt.terminate`): that fraction of the
examples terminate at the drawn step, with its per-step predicate label as
reward and no bootstrap; the others continue as above.
"""

import dataclasses
import os
from typing import Iterator, Sequence

import numpy as np
import tensorflow_datasets as tfds

from chef import types
from chef.agents.qtopt.learning import TASK_ID
from chef.data import nstep, rlds_reader
from chef.mtopt import collection, rgb_tasks, terminate
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
    chain_seeds: np.ndarray  # [N] the chain's reset seed (names the segment with its task)
    step_labels: np.ndarray | None = None  # [S, T] bool success per family task at every step (predicates)

    def __len__(self) -> int:
        return len(self.starts)

    @property
    def seeds(self) -> np.ndarray:
        """[N] each episode's collection seed (for held-out splits)."""
        return np.asarray([collection.collection_seed(s) for s in self.chain_seeds], dtype=np.int64)

    def records(self, family: TaskFamily) -> list[EpisodeRecord]:
        """Impersonation records; episode ids are positions in the table."""
        return episode_records(list(range(len(self))), self.collected_for, self.labels, family)

    def with_labels(self, labels: np.ndarray) -> "EpisodeTable":
        """The same episodes with other success labels [N, T] (e.g. from a detector)."""
        labels = np.asarray(labels, bool)
        if labels.shape[0] != len(self):
            raise ValueError(f"labels must have {len(self)} rows, got {labels.shape}")
        step_labels = self.step_labels
        if step_labels is not None:  # The episodes' last steps are judged by the new labels too.
            step_labels = step_labels.copy()
            step_labels[self.starts + self.lengths - 1] = labels
        return dataclasses.replace(self, labels=labels, step_labels=step_labels)


def predicate_labels(half_heights: np.ndarray, last_observation: dict, family: TaskFamily) -> np.ndarray:
    """[T] bool: the family's predicates on an episode's final observation; `half_heights` [3] are
    the episode's metadata `object_half_heights` (`episode_half_heights`)."""
    return step_predicate_labels(last_observation[REWARD_STATE_KEY][None], family, half_heights)[-1]


def step_predicate_labels(reward_states: np.ndarray, family: TaskFamily, half_heights: np.ndarray) -> np.ndarray:
    """[L, T] bool: the family's predicates on every step of one episode (reward states [L, D]).
    Green's half-height, which the reward state lacks, is the scene's at the chain's reset
    (`half_heights` [3], red, green, blue): a place segment starts with the object in hand."""
    green_half_height = float(half_heights[rgb_tasks.COLOURS.index("green")])
    rows = []
    for state in reward_states:
        labels = family.success_labels(
            rgb_tasks.final_state_from_observation({REWARD_STATE_KEY: state}, green_half_height)
        )
        rows.append([labels[name] for name in family.names])
    return np.asarray(rows, bool)


def episode_half_heights(directory: str | os.PathLike, episode: dict) -> np.ndarray:
    """[3] an episode's metadata `object_half_heights`; a clear error for data recorded without them."""
    heights = np.asarray(episode.get("object_half_heights", ()), np.float32)
    if heights.shape != (len(rgb_tasks.COLOURS),):
        raise ValueError(
            f"{directory}: episode (seed {int(episode['seed'])}) has no object_half_heights metadata "
            f"(got shape {heights.shape}); it was collected before they were recorded: collect it again"
        )
    return heights


def load_episodes(
    directories: rlds_reader.Directories, family: TaskFamily, observation_keys: Sequence[str]
) -> EpisodeTable:
    """Reads every episode of one RLDS directory or several (in order); labels from the family's predicates."""
    observations = {k: [] for k in observation_keys}
    actions, starts, lengths, collected_for, labels, step_labels, chain_seeds = [], [], [], [], [], [], []
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
            half_heights = episode_half_heights(directory, episode)
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
            step_labels.append(step_predicate_labels(stored[REWARD_STATE_KEY], family, half_heights))
            labels.append(step_labels[-1][-1])
            chain_seeds.append(int(episode["seed"]))
    if not starts:
        raise ValueError(f"{directories} holds no episode with at least one transition")
    unknown = sorted(set(collected_for) - set(family.names))
    if unknown:
        raise ValueError(f"{directories}: episodes collected for task(s) {unknown} outside the family {family.names}")
    return EpisodeTable(
        {k: np.concatenate(v) for k, v in observations.items()},
        np.concatenate(actions),
        np.asarray(starts),
        np.asarray(lengths),
        tuple(collected_for),
        np.stack(labels),
        np.asarray(chain_seeds),
        np.concatenate(step_labels),
    )


class TransitionBatches(Iterator[types.Transition]):
    """Endless QT-Opt batches from a pair sampler over a table's episodes."""

    def __init__(
        self,
        table: EpisodeTable,
        sampler: PairSampler,
        batch_size: int,
        gamma: float,
        rng: np.random.Generator,
        terminate_fraction: float = 0.0,
        episode_end: str = "success",
        n_step: int = 1,
    ):
        if not 0.0 < gamma <= 1.0:
            raise ValueError(f"gamma must lie in (0, 1], got {gamma}")
        if not 0.0 <= terminate_fraction < 1.0:
            raise ValueError(f"terminate_fraction must lie in [0, 1), got {terminate_fraction}")
        if episode_end not in collection.EPISODE_ENDS:
            raise ValueError(f"episode_end must be one of {collection.EPISODE_ENDS}, got {episode_end!r}")
        if n_step < 1:
            raise ValueError(f"n_step must be >= 1, got {n_step}")
        if (terminate_fraction or episode_end == "success") and table.step_labels is None:
            raise ValueError(
                "terminate_fraction > 0 and episode_end='success' need the table's per-step labels (step_labels)"
            )
        self._table, self._sampler, self._batch_size = table, sampler, batch_size
        self._gamma, self._rng, self._terminate_fraction = gamma, rng, terminate_fraction
        self._episode_end, self._n_step = episode_end, n_step

    def __next__(self) -> types.Transition:
        pairs = self._sampler.sample(self._batch_size)
        episodes = pairs.episode_ids.astype(int)  # [B]
        num_transitions = self._table.lengths[episodes] - 1  # [B]
        step = self._rng.integers(0, num_transitions)  # [B]
        index = self._table.starts[episodes] + step  # [B]
        ahead = np.arange(1, self._n_step + 1)  # [n]
        available = np.minimum(self._n_step, num_transitions - step)  # [B]
        ahead_index = index[:, None] + np.minimum(ahead[None], available[:, None])  # [B, n] (clamped in-episode)
        if self._episode_end == "success":
            rewards = self._table.step_labels[ahead_index, pairs.task_ids[:, None]]  # [B, n]
            terminals = rewards
        else:
            terminals = step[:, None] + ahead[None] == num_transitions[:, None]  # [B, n]
            rewards = terminals & self._table.labels[episodes, pairs.task_ids][:, None]
        reward, discount = nstep.nstep_windows(rewards, 1.0 - terminals, available, self._gamma)
        ends = terminals & (ahead[None] <= available[:, None])  # [B, n]
        next_index = index + np.where(
            ends.any(axis=1), ends.argmax(axis=1) + 1, available
        )  # After a terminal: its state.
        observations = self._table.observations
        action = self._table.actions[index]
        if self._terminate_fraction:
            ends = self._rng.random(len(index)) < self._terminate_fraction  # [B]
            switch = np.where(ends, terminate.TERMINATE, terminate.CONTINUE).astype(action.dtype)
            action = np.concatenate([action, switch[:, None]], axis=1)  # [B, A + 1]
            reward = np.where(ends, self._table.step_labels[index, pairs.task_ids], reward).astype(np.float32)
            discount = np.where(ends, 0.0, discount).astype(np.float32)
            next_index = np.where(ends, index, next_index)  # Unused: nothing is bootstrapped.
        return types.Transition(
            observation={k: v[index] for k, v in observations.items()},
            action=action,
            reward=reward,
            discount=discount,
            next_observation={k: v[next_index] for k, v in observations.items()},
            extras={TASK_ID: pairs.task_ids.astype(np.int32)},
        )
