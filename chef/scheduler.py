"""SAC-X schedulers: which task's policy acts in each segment of an episode.

An episode of `episode_length` steps is split into `num_segments` segments
(H switch points). At each switch point the scheduler picks the task whose
policy head acts next. The choice depends only on the tasks already chosen in
the episode (the schedule prefix), never on the state, so a whole schedule is
sampled at the start of an episode:

- SAC-U: every task uniformly at random.
- SAC-Q: a table Q(prefix, task) of the main task's return from that segment
  to the end of the episode, learned by Monte-Carlo (running average);
  tasks are chosen by a Boltzmann distribution over Q with probability
  1 - epsilon and uniformly with probability epsilon.
- fixed: always the same task (evaluation, single-task baselines).

Schedules are tuples of task indices into `SchedulerConfig.tasks`.
"""

import dataclasses
import math
from typing import Sequence

import numpy as np

from chef.utils import config as config_lib

Schedule = tuple[int, ...]
SCHEDULER_KINDS = ("sac_u", "sac_q", "fixed")


@dataclasses.dataclass(frozen=True)
class SchedulerConfig:
    kind: str = "sac_q"
    tasks: tuple[str, ...] = ("reach_grasp", "lift", "place", "stack", "stack_leave")
    main_task: str = "stack_leave"
    num_segments: int = 3
    episode_length: int = 400
    temperature: float = 1.0  # Boltzmann temperature over Q, in units of return.
    epsilon: float = 0.1  # probability of a uniform choice (SAC-Q).
    learning_rate: float = 0.1  # step size of the Monte-Carlo running average.
    fixed_task: str = "stack_leave"  # the task of kind 'fixed'.

    def __post_init__(self):
        require = config_lib.require
        require(self.kind in SCHEDULER_KINDS, f"scheduler kind {self.kind!r} is not one of {SCHEDULER_KINDS}")
        require(len(self.tasks) > 0, "scheduler needs at least one task")
        require(len(set(self.tasks)) == len(self.tasks), f"duplicate tasks in {self.tasks}")
        require(
            self.main_task in self.tasks or self.kind != "sac_q",
            f"main_task {self.main_task!r} must be one of the scheduled tasks {self.tasks}",
        )
        require(
            self.kind != "fixed" or self.fixed_task in self.tasks,
            f"fixed_task {self.fixed_task!r} must be one of {self.tasks}",
        )
        require(
            1 <= self.num_segments <= self.episode_length,
            f"num_segments must be in [1, episode_length], got {self.num_segments}",
        )
        require(self.temperature > 0, f"temperature must be > 0, got {self.temperature}")
        require(0.0 <= self.epsilon <= 1.0, f"epsilon must be in [0, 1], got {self.epsilon}")
        require(0.0 < self.learning_rate <= 1.0, f"learning_rate must be in (0, 1], got {self.learning_rate}")

    @property
    def segment_length(self) -> int:
        return math.ceil(self.episode_length / self.num_segments)


def segment_of_step(step: int, config: SchedulerConfig) -> int:
    """Index of the segment that contains environment step `step` (0-based)."""
    return min(step // config.segment_length, config.num_segments - 1)


def segment_returns(main_rewards: Sequence[float], config: SchedulerConfig) -> np.ndarray:
    """Main-task return from the start of each segment to the episode's end.

    main_rewards: [L] the main task's reward at each step (L <= episode_length;
    an episode that terminated early just has fewer rewards).
    Returns [num_segments]; segments the episode never reached get 0.
    """
    rewards = np.asarray(main_rewards, dtype=np.float64)  # [L]
    tail_sums = np.cumsum(np.append(rewards, 0.0)[::-1])[::-1]  # [L + 1], tail_sums[t] = sum(rewards[t:])
    starts = np.minimum(np.arange(config.num_segments) * config.segment_length, len(rewards))  # [H]
    return tail_sums[starts]


def boltzmann_probabilities(values: np.ndarray, temperature: float, epsilon: float) -> np.ndarray:
    """(1 - epsilon) * softmax(values / temperature) + epsilon * uniform.  values: [K]."""
    logits = np.asarray(values, dtype=np.float64) / temperature
    logits -= logits.max()
    soft = np.exp(logits)
    soft /= soft.sum()
    return (1.0 - epsilon) * soft + epsilon / len(soft)


class Scheduler:
    """Samples schedules and (for SAC-Q) learns from each episode's main-task return."""

    def __init__(self, config: SchedulerConfig, seed: int | None = None):
        self.config = config
        self._rng = np.random.default_rng(seed)
        # SAC-Q table: schedule prefix -> [num_tasks] value estimates and visit counts.
        self._values: dict[Schedule, np.ndarray] = {}
        self._counts: dict[Schedule, np.ndarray] = {}

    @property
    def num_tasks(self) -> int:
        return len(self.config.tasks)

    def task_names(self, schedule: Schedule) -> tuple[str, ...]:
        return tuple(self.config.tasks[i] for i in schedule)

    def q_values(self, prefix: Schedule) -> np.ndarray:
        """[num_tasks] SAC-Q estimates of the main-task return after `prefix`."""
        return self._values.get(tuple(prefix), np.zeros(self.num_tasks)).copy()

    def probabilities(self, prefix: Schedule) -> np.ndarray:
        """[num_tasks] probability of each task for the segment after `prefix`."""
        kind = self.config.kind
        if kind == "sac_u":
            return np.full(self.num_tasks, 1.0 / self.num_tasks)
        if kind == "fixed":
            return np.eye(self.num_tasks)[self.config.tasks.index(self.config.fixed_task)]
        return boltzmann_probabilities(self.q_values(prefix), self.config.temperature, self.config.epsilon)

    def sample_schedule(self) -> Schedule:
        """A task index for each of the episode's segments."""
        schedule: Schedule = ()
        for _ in range(self.config.num_segments):
            task = int(self._rng.choice(self.num_tasks, p=self.probabilities(schedule)))
            schedule += (task,)
        return schedule

    def greedy_schedule(self) -> Schedule:
        """The schedule of highest estimated value (SAC-Q), for reports."""
        schedule: Schedule = ()
        for _ in range(self.config.num_segments):
            schedule += (int(np.argmax(self.q_values(schedule))),)
        return schedule

    def update(self, schedule: Schedule, main_rewards: Sequence[float]) -> np.ndarray:
        """Monte-Carlo update of Q(prefix, task) from one episode; returns the segment returns."""
        if len(schedule) != self.config.num_segments:
            raise ValueError(f"schedule {schedule} has {len(schedule)} segments, expected {self.config.num_segments}")
        returns = segment_returns(main_rewards, self.config)  # [H]
        if self.config.kind != "sac_q":
            return returns
        num_reached = math.ceil(len(main_rewards) / self.config.segment_length)
        for h in range(min(num_reached, self.config.num_segments)):
            prefix, task = tuple(schedule[:h]), schedule[h]
            values = self._values.setdefault(prefix, np.zeros(self.num_tasks))
            counts = self._counts.setdefault(prefix, np.zeros(self.num_tasks, dtype=np.int64))
            # Average exactly while few samples exist, then a running average.
            step = max(self.config.learning_rate, 1.0 / (counts[task] + 1))
            values[task] += step * (returns[h] - values[task])
            counts[task] += 1
        return returns

    def state_dict(self) -> dict:
        """JSON-able state, for checkpoints."""
        return {
            "values": {",".join(map(str, k)): v.tolist() for k, v in self._values.items()},
            "counts": {",".join(map(str, k)): v.tolist() for k, v in self._counts.items()},
        }

    def load_state_dict(self, state: dict) -> None:
        parse = lambda key: tuple(int(i) for i in key.split(",") if i != "")
        self._values = {parse(k): np.asarray(v, dtype=np.float64) for k, v in state["values"].items()}
        self._counts = {parse(k): np.asarray(v, dtype=np.int64) for k, v in state["counts"].items()}
