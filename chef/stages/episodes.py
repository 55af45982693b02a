"""Running one episode: a policy whose task head follows a schedule, observed by adders/writers."""
import dataclasses
from typing import Any, Mapping, Protocol, Sequence

import dm_env
import numpy as np

from chef import core, wrappers
from chef.stages import components


class Observer(Protocol):
    def add_first(self, timestep: dm_env.TimeStep) -> None: ...
    def add(self, action: np.ndarray, next_timestep: dm_env.TimeStep) -> None: ...


class SelectKeys:
    """Forwards timesteps to `observer` (an adder) with only `keys` of the observation, and
    `extras` (set per episode, e.g. the demonstration mark) with every step."""

    def __init__(self, observer: Observer, keys: Sequence[str]):
        self._observer = observer
        self._keys = tuple(keys)
        self.extras: Mapping[str, Any] = {}

    def _select(self, timestep: dm_env.TimeStep) -> dm_env.TimeStep:
        return timestep._replace(observation={k: timestep.observation[k] for k in self._keys})

    def add_first(self, timestep: dm_env.TimeStep) -> None:
        self._observer.add_first(self._select(timestep))

    def add(self, action: np.ndarray, next_timestep: dm_env.TimeStep) -> None:
        self._observer.add(action, self._select(next_timestep), self.extras)


@dataclasses.dataclass(frozen=True)
class EpisodeResult:
    returns: np.ndarray  # [T] undiscounted return per task
    final_reward: np.ndarray  # [T] reward of the last step
    length: int
    rewards: np.ndarray  # [L, T]

    @property
    def success(self) -> tuple[bool, ...]:
        return components.episode_success(self.final_reward)


def run_episode(env: dm_env.Environment, actor: core.Actor, head_schedule: Sequence[int], segment_length: int,
                observers: Sequence[Observer] = (), seed: int | None = None) -> EpisodeResult:
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
