"""Ray launcher: the same Program, each node a Ray actor, data still through Reverb.

`launch(program, address=None)` starts (or joins, with `address='auto'` or
'host:port') a Ray cluster, places every node as an actor with its
`num_cpus` / `num_gpus`, and applies the same lifetime rules as the local
launcher: services first, crashed workers restarted, the program done when
its main nodes return.
"""

import math
import os
import socket
import time
from typing import Any

import portpicker
import ray
from absl import logging

from chef.launch import node_runner
from chef.launch import program as program_lib


@ray.remote
class _NodeActor:
    """Hosts one node. `run` returns when the node's function returns."""

    def host(self) -> str:
        return ray.util.get_node_ip_address()

    def free_port(self) -> int:
        return portpicker.pick_unused_port()

    def run(self, name: str, fn: Any, kwargs: dict) -> None:
        logging.set_verbosity(logging.INFO)
        logging.info("node %s starting on %s", name, socket.gethostname())
        fn(**kwargs)


class _RaySupervisor:
    def __init__(self, program: program_lib.Program, start_timeout_s: float):
        program.validate()
        self._program = program
        self._start_timeout_s = start_timeout_s
        self._addresses: dict[str, str] = {}
        self._ports: dict[str, int] = {}
        self._actors: dict[str, Any] = {}
        self._runs: dict[str, ray.ObjectRef] = {}
        self._restarts = {n.name: 0 for n in program.nodes}
        self._finished: set[str] = set()

    def _start(self, node: program_lib.Node) -> None:
        actor = _NodeActor.options(
            num_cpus=node.num_cpus, num_gpus=node.num_gpus, name=f"chef-{node.name}-{time.monotonic_ns()}"
        ).remote()
        kwargs = program_lib.resolve_addresses(dict(node.kwargs), self._addresses)
        if node.role == "service":
            host, port = ray.get([actor.host.remote(), actor.free_port.remote()])
            self._ports[node.name] = port
            self._addresses[node.name] = f"{host}:{port}"
            kwargs["port"] = port
        self._actors[node.name] = actor
        self._runs[node.name] = actor.run.remote(node.name, node.fn, kwargs)
        if node.role == "service":
            host, port = self._addresses[node.name].rsplit(":", 1)
            node_runner.wait_for_port(
                host, int(port), self._start_timeout_s, is_alive=lambda: not _is_done(self._runs[node.name])
            )

    def start_all(self) -> None:
        for node in sorted(self._program.nodes, key=lambda n: n.role != "service"):
            self._start(node)

    def poll(self, timeout_s: float) -> bool:
        pending = [ref for name, ref in self._runs.items() if name not in self._finished]
        ray.wait(pending, num_returns=1, timeout=timeout_s)
        for node in self._program.nodes:
            ref = self._runs[node.name]
            if node.name in self._finished or not _is_done(ref):
                continue
            error = _error_of(ref)
            if error is None and node.role != "service":
                self._finished.add(node.name)
            elif node.role == "worker" and self._restarts[node.name] < node.max_restarts:
                self._restarts[node.name] += 1
                logging.warning(
                    "worker %s failed (%s); restart %d of %d",
                    node.name,
                    error,
                    self._restarts[node.name],
                    node.max_restarts,
                )
                ray.kill(self._actors[node.name])
                self._start(node)
            else:
                raise program_lib.NodeFailure(f"node {node.name!r} ({node.role}) failed: {error}")
        return all(n.name in self._finished for n in self._program.nodes if n.role == "main")

    def stop_all(self) -> None:
        for actor in self._actors.values():
            ray.kill(actor)

    @property
    def restarts(self) -> dict[str, int]:
        return dict(self._restarts)


def _is_done(ref: ray.ObjectRef) -> bool:
    ready, _ = ray.wait([ref], timeout=0)
    return bool(ready)


def _error_of(ref: ray.ObjectRef) -> str | None:
    try:
        ray.get(ref)
        return None
    except (ray.exceptions.RayTaskError, ray.exceptions.RayActorError) as e:
        return f"{type(e).__name__}: {str(e).strip().splitlines()[-1]}"


def _check_resources(program: program_lib.Program) -> None:
    """Refuses a program whose nodes cannot all be placed at once (they would wait forever)."""
    available = ray.cluster_resources()
    for resource, needed in (
        ("CPU", sum(n.num_cpus for n in program.nodes)),
        ("GPU", sum(n.num_gpus for n in program.nodes)),
    ):
        if needed > available.get(resource, 0.0):
            raise program_lib.NodeFailure(
                f"the program's {len(program.nodes)} nodes need {needed:g} {resource}s together, the Ray cluster "
                f"has {available.get(resource, 0.0):g}; add machines or lower the nodes' num_{resource.lower()}s"
            )


def launch(
    program: program_lib.Program,
    *,
    address: str | None = None,
    num_cpus: int | None = None,
    poll_interval_s: float = 0.5,
    start_timeout_s: float = node_runner.SERVICE_START_TIMEOUT_S,
) -> dict[str, int]:
    """Runs `program` on Ray; returns the restart count per node (see module doc).

    A local Ray instance started here (no `address`) declares at least as many logical CPUs as the
    program's nodes ask for, so a program with more nodes than cores still runs on a laptop (as
    with the local launcher); on a cluster the nodes must fit the cluster's resources."""
    started_here = not ray.is_initialized()
    if started_here:
        if address is None and num_cpus is None:
            num_cpus = max(os.cpu_count() or 1, math.ceil(sum(n.num_cpus for n in program.nodes)))
        ray.init(
            address=address, num_cpus=num_cpus, include_dashboard=False, log_to_driver=True, configure_logging=False
        )
    _check_resources(program)
    supervisor = _RaySupervisor(program, start_timeout_s)
    try:
        supervisor.start_all()
        while not supervisor.poll(poll_interval_s):
            pass
    finally:
        supervisor.stop_all()
        if started_here:
            ray.shutdown()
    return supervisor.restarts
