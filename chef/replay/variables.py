"""Versioned policy parameters over Reverb: the learner publishes, actors fetch the newest.

Parameters travel as one msgpack blob (flax.serialization) plus an int64 version in a table
holding a single item (`tables.variables_table`), so actors on other machines only need the
server address.
"""

from typing import Mapping, Optional, Sequence

import numpy as np
import reverb
from flax import serialization

from chef import core, types


class VariablePublisher:
    """Used by the learner: `publish(variables, version)` replaces the served variables."""

    def __init__(self, client: reverb.Client, table: str = "variables"):
        self._client = client
        self._table = table

    def publish(self, variables: Mapping[str, types.Params], version: int) -> None:
        """Publishes named parameter collections, e.g. {'policy': params}, as `version`."""
        if not isinstance(variables, Mapping) or not variables:
            raise ValueError(f"variables must be a non-empty mapping of names to params, got {type(variables)}")
        blob = serialization.msgpack_serialize(serialization.to_state_dict(dict(variables)))
        self._client.insert(
            [np.array(blob, dtype=object), np.array(version, dtype=np.int64)], priorities={self._table: 1.0}
        )


class VariableClient(core.VariableSource):
    """Used by actors: fetches the newest published variables from the server at `address`."""

    def __init__(self, address: str, table: str = "variables"):
        self._client = reverb.Client(address)
        self._table = table
        self._version = -1
        self._variables: Optional[dict] = None

    @property
    def version(self) -> int:
        """Version of the variables last fetched; -1 before the first fetch."""
        return self._version

    def get_newest(self) -> tuple[dict[str, types.Params], int]:
        """Returns (variables, version) of the newest publication; blocks until one exists."""
        sample = next(self._client.sample(self._table, num_samples=1, emit_timesteps=False))
        blob, version = (column[0] for column in sample.data)  # Each column is [1] (one step).
        self._variables = serialization.msgpack_restore(bytes(np.asarray(blob).item()))
        self._version = int(np.asarray(version))
        return self._variables, self._version

    def get_variables(self, names: Sequence[str]) -> list[types.Params]:
        variables, _ = self.get_newest()
        missing = [n for n in names if n not in variables]
        if missing:
            raise KeyError(f"variables {missing} were not published; published: {sorted(variables)}")
        return [variables[n] for n in names]
