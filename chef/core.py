"""Small Acme-style interfaces between the parts of an agent.

Acme itself cannot be installed on Python 3.11 (it imports dm-launchpad), so
the few interfaces chef needs are defined here with the same meaning.
"""

import abc
from typing import Any, Iterator, Sequence

import dm_env
import numpy as np

from chef import types


class Actor(abc.ABC):
    """Acts in an environment and hands what it sees to an adder."""

    @abc.abstractmethod
    def select_action(self, observation: types.Observation) -> np.ndarray:
        """Returns the action for `observation`."""

    @abc.abstractmethod
    def observe_first(self, timestep: dm_env.TimeStep) -> None:
        """Records the first timestep of an episode."""

    @abc.abstractmethod
    def observe(self, action: np.ndarray, next_timestep: dm_env.TimeStep) -> None:
        """Records an action and the timestep it led to."""

    @abc.abstractmethod
    def update(self, wait: bool = False) -> None:
        """Fetches the newest parameters from the variable source."""


class AdderActor(Actor):
    """An actor that forwards what it observes to an optional Acme-style adder
    (`add_first(timestep)`, `add(action, next_timestep)`), set as `self._adder`."""

    _adder: Any = None

    def observe_first(self, timestep: dm_env.TimeStep) -> None:
        if self._adder is not None:
            self._adder.add_first(timestep)

    def observe(self, action: np.ndarray, next_timestep: dm_env.TimeStep) -> None:
        if self._adder is not None:
            self._adder.add(action, next_timestep)


class VariableSource(abc.ABC):
    """Serves named, versioned collections of parameters."""

    @abc.abstractmethod
    def get_variables(self, names: Sequence[str]) -> list[types.Params]:
        """Returns the current value of each named collection."""


class Learner(VariableSource):
    """Consumes batches and updates parameters."""

    @abc.abstractmethod
    def step(self) -> dict[str, Any]:
        """Runs one update and returns its metrics."""

    def run(self, num_steps: int) -> None:
        for _ in range(num_steps):
            self.step()

    @abc.abstractmethod
    def save(self) -> Any:
        """Returns the full training state (for checkpoints)."""

    @abc.abstractmethod
    def restore(self, state: Any) -> None:
        """Restores a state returned by `save`."""


class StateLearner(Learner):
    """A learner whose whole training state is one pytree, `self._state`: `save` returns it,
    `restore` replaces it, and `get_variables` serves the collections named by `_variables`."""

    _state: Any

    @abc.abstractmethod
    def _variables(self) -> dict[str, types.Params]:
        """{name: parameters} of every collection this learner serves."""

    def get_variables(self, names: Sequence[str]) -> list[types.Params]:
        variables = self._variables()
        unknown = [n for n in names if n not in variables]
        if unknown:
            raise ValueError(f"unknown variables {unknown}; valid names: {sorted(variables)}")
        return [variables[n] for n in names]

    @property
    def state(self) -> Any:
        return self._state

    def save(self) -> Any:
        return self._state

    def restore(self, state: Any) -> None:
        self._state = state


class Worker(abc.ABC):
    """A long-running program part (actor loop, learner loop, evaluator)."""

    @abc.abstractmethod
    def run(self) -> None:
        """Runs until done or interrupted."""


BatchIterator = Iterator[Any]
