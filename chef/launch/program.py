"""A Program: the named parts of a distributed agent, independent of where they run.

Each node is a top-level (picklable) function with keyword arguments, run in
its own OS process (local launcher) or Ray actor (Ray launcher). Nodes talk
only over the network (Reverb), never through shared memory. Arguments may
hold `Address(name)` placeholders, which a launcher replaces with the
'host:port' it reserved for that service before starting the nodes.

Roles decide the program's lifetime:
- 'main' nodes (the learner, an offline trainer) define when the program is
  done: when every main node has returned, the others are stopped.
- 'service' nodes (the Reverb server) and 'worker' nodes (actors, the
  evaluator) run until stopped. A worker that crashes is restarted up to
  `max_restarts` times; a crashed main or service node stops the program
  with an error naming it.
"""

import dataclasses
from typing import Any, Callable, Mapping

ROLES = ("main", "service", "worker")


@dataclasses.dataclass(frozen=True)
class Address:
    """Placeholder for the 'host:port' of service `name`, filled in at launch."""

    name: str


@dataclasses.dataclass(frozen=True)
class Node:
    name: str
    fn: Callable[..., Any]
    kwargs: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    role: str = "worker"
    max_restarts: int = 3
    num_cpus: float = 1.0
    num_gpus: float = 0.0

    def __post_init__(self):
        if self.role not in ROLES:
            raise ValueError(f"node {self.name!r}: role {self.role!r} is not one of {ROLES}")
        if self.max_restarts < 0:
            raise ValueError(f"node {self.name!r}: max_restarts must be >= 0")


@dataclasses.dataclass
class Program:
    """Nodes plus the services whose addresses other nodes need."""

    nodes: list[Node] = dataclasses.field(default_factory=list)

    def add(self, node: Node) -> Node:
        if any(n.name == node.name for n in self.nodes):
            raise ValueError(f"duplicate node name {node.name!r}")
        self.nodes.append(node)
        return node

    def validate(self) -> None:
        if not any(n.role == "main" for n in self.nodes):
            raise ValueError("a program needs at least one 'main' node (e.g. the learner)")
        services = {n.name for n in self.nodes if n.role == "service"}
        for node in self.nodes:
            for address in _addresses_in(node.kwargs):
                if address.name not in services:
                    raise ValueError(
                        f"node {node.name!r} needs Address({address.name!r}), "
                        f"but no service node has that name (services: {sorted(services)})"
                    )


class NodeFailure(RuntimeError):
    """A node of a program failed (crashed, or a worker exhausted its restarts)."""


def _addresses_in(value: Any) -> list[Address]:
    if isinstance(value, Address):
        return [value]
    if isinstance(value, Mapping):
        return [a for v in value.values() for a in _addresses_in(v)]
    if isinstance(value, (list, tuple)):
        return [a for v in value for a in _addresses_in(v)]
    return []


def resolve_addresses(value: Any, addresses: Mapping[str, str]) -> Any:
    """Replaces every Address placeholder in a nest of kwargs with its 'host:port'."""
    if isinstance(value, Address):
        return addresses[value.name]
    if isinstance(value, Mapping):
        return {k: resolve_addresses(v, addresses) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(resolve_addresses(v, addresses) for v in value)
    return value
