"""Local launcher (the default): every node of a Program as an OS process on this machine."""

import multiprocessing
import time
from typing import Callable

import portpicker
from absl import logging

from chef.launch import node_runner
from chef.launch import program as program_lib


class _Supervisor:
    """Starts node processes, restarts crashed workers, stops everything at the end."""

    def __init__(self, program: program_lib.Program, start_timeout_s: float):
        program.validate()
        self._program = program
        self._context = multiprocessing.get_context("spawn")  # Safe with JAX/TF threads.
        self._start_timeout_s = start_timeout_s
        self._ports = {n.name: portpicker.pick_unused_port() for n in program.nodes if n.role == "service"}
        self._addresses = {name: f"localhost:{port}" for name, port in self._ports.items()}
        self._processes: dict[str, multiprocessing.Process] = {}
        self._restarts = {n.name: 0 for n in program.nodes}
        self._finished: set[str] = set()

    def _start(self, node: program_lib.Node) -> None:
        kwargs = program_lib.resolve_addresses(dict(node.kwargs), self._addresses)
        if node.role == "service":
            kwargs["port"] = self._ports[node.name]
        process = self._context.Process(target=node_runner.run_node, args=(node.name, node.fn, kwargs), name=node.name)
        process.start()
        self._processes[node.name] = process
        if node.role == "service":
            node_runner.wait_for_port(
                "localhost", self._ports[node.name], self._start_timeout_s, is_alive=process.is_alive
            )

    def start_all(self) -> None:
        # Services first, so that every client finds its server listening.
        for node in sorted(self._program.nodes, key=lambda n: n.role != "service"):
            self._start(node)

    def poll(self) -> bool:
        """Handles exited processes; returns True once every main node has finished."""
        for node in self._program.nodes:
            exitcode = self._processes[node.name].exitcode
            if exitcode is None or node.name in self._finished:
                continue
            if exitcode == 0 and node.role != "service":
                self._finished.add(node.name)
            elif node.role == "worker" and self._restarts[node.name] < node.max_restarts:
                self._restarts[node.name] += 1
                logging.warning(
                    "worker %s exited with code %s; restart %d of %d",
                    node.name,
                    exitcode,
                    self._restarts[node.name],
                    node.max_restarts,
                )
                self._start(node)
            else:
                raise program_lib.NodeFailure(
                    f"node {node.name!r} ({node.role}) exited with code {exitcode}"
                    + (f" after {self._restarts[node.name]} restarts" if node.role == "worker" else "")
                    + "; see its log above"
                )
        return all(n.name in self._finished for n in self._program.nodes if n.role == "main")

    def stop_all(self, grace_s: float = 10.0) -> None:
        alive = [p for p in self._processes.values() if p.is_alive()]
        for process in alive:
            process.terminate()
        deadline = time.monotonic() + grace_s
        for process in alive:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()

    @property
    def restarts(self) -> dict[str, int]:
        return dict(self._restarts)

    @property
    def pids(self) -> dict[str, int]:
        """The process id of each started node (its newest process after a restart)."""
        return {name: process.pid for name, process in self._processes.items()}


def launch(
    program: program_lib.Program,
    *,
    poll_interval_s: float = 0.2,
    start_timeout_s: float = node_runner.SERVICE_START_TIMEOUT_S,
    on_poll: Callable[[dict[str, int]], None] | None = None,
) -> dict[str, int]:
    """Runs `program` until its main nodes finish; returns the restart count per node.

    Raises NodeFailure when a main or service node fails or a worker exhausts
    its restarts. Ctrl-C (KeyboardInterrupt) stops every process and re-raises.
    `on_poll(pids)` runs at every poll with the node processes' ids; an exception it raises
    stops every process and propagates.
    """
    supervisor = _Supervisor(program, start_timeout_s)
    try:
        supervisor.start_all()
        while not supervisor.poll():
            if on_poll is not None:
                on_poll(supervisor.pids)
            time.sleep(poll_interval_s)
    finally:
        supervisor.stop_all()
    return supervisor.restarts
