"""Running one episode: a policy whose task head follows a schedule, observed by adders/writers."""

import dataclasses
from typing import Any, Mapping, Protocol, Sequence

import dm_env
import numpy as np

from chef import core, wrappers

SUCCESS_THRESHOLD = 0.99  # A task succeeded when its reward at the episode's last step reaches this.


class Observer(Protocol):
    def add_first(self, timestep: dm_env.TimeStep) -> None: ...
    def add(self, action: np.ndarray, next_timestep: dm_env.TimeStep) -> None: ...


class SelectKeys:
    """Forwards one episode's timesteps to `observer` (an adder) with only `keys` of the observation,
    and `extras` (e.g. the episode's demonstration mark) with every step."""

    def __init__(self, observer: Observer, keys: Sequence[str], extras: Mapping[str, Any]):
        self._observer = observer
        self._keys = tuple(keys)
        self._extras = dict(extras)

    def _select(self, timestep: dm_env.TimeStep) -> dm_env.TimeStep:
        return timestep._replace(observation={k: timestep.observation[k] for k in self._keys})

    def add_first(self, timestep: dm_env.TimeStep) -> None:
        self._observer.add_first(self._select(timestep))

    def add(self, action: np.ndarray, next_timestep: dm_env.TimeStep) -> None:
        self._observer.add(action, self._select(next_timestep), self._extras)


@dataclasses.dataclass(frozen=True)
class EpisodeResult:
    returns: np.ndarray  # [T] undiscounted return per task
    final_reward: np.ndarray  # [T] reward of the last step
    length: int
    rewards: np.ndarray  # [L, T]

    @property
    def success(self) -> tuple[bool, ...]:
        return episode_success(self.final_reward)


def run_episode(
    env: dm_env.Environment,
    actor: core.Actor,
    head_schedule: Sequence[int],
    segment_length: int,
    observers: Sequence[Observer] = (),
    seed: int | None = None,
) -> EpisodeResult:
    """Acts for one episode; segment h (steps [h * segment_length, ...)) uses head head_schedule[h].

    The environment is reset with `seed` when given (the seed a writer records: the episode's initial
    state replays from it). `actor` has `set_task(head)` besides the core.Actor methods (MPOActor,
    ScriptedStackingActor)."""
    timestep = wrappers.reset(env, seed)
    actor.observe_first(timestep)
    for observer in observers:
        observer.add_first(timestep)
    rewards = []
    while not timestep.last():
        segment = min(len(rewards) // segment_length, len(head_schedule) - 1)
        actor.set_task(head_schedule[segment])
        action = actor.select_action(timestep.observation)
        timestep = env.step(action)
        for observer in observers:
            observer.add(action, timestep)
        rewards.append(np.asarray(timestep.reward, dtype=np.float32))
    rewards = np.stack(rewards)  # [L, T]
    return EpisodeResult(returns=rewards.sum(0), final_reward=rewards[-1], length=len(rewards), rewards=rewards)


def episode_success(final_reward: np.ndarray) -> tuple[bool, ...]:
    """Per-task success from the rewards of an episode's last step. final_reward: [T]"""
    return tuple(bool(r >= SUCCESS_THRESHOLD) for r in np.asarray(final_reward))


def task_metrics(result: EpisodeResult, task_names: Sequence[str]) -> dict[str, float]:
    """'episode_return/<task>' and 'success/<task>' of every task; `task_names` name the reward columns."""
    row = {f"episode_return/{t}": float(r) for t, r in zip(task_names, result.returns)}
    row.update({f"success/{t}": float(s) for t, s in zip(task_names, result.success)})
    return row
