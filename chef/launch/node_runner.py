"""What runs inside a node's process: logging set-up, the function, its exit code."""

import os
import signal
import socket
import time
import traceback
from typing import Any, Callable, Mapping

from absl import flags, logging

from chef.utils import xla_flags

# The launching script's --verbosity, inherited by node processes (absent: warnings only).
VERBOSITY_ENV = "CHEF_VERBOSITY"
# How long a launcher waits for a live service node to listen. A crashed service fails at once
# (`wait_for_port`'s liveness check); a loaded 2-core machine took over 120 s to start a Ray worker.
SERVICE_START_TIMEOUT_S = 300.0


def run_node(name: str, fn: Callable[..., Any], kwargs: Mapping[str, Any]) -> None:
    """Entry point of a node process; exits non-zero (with the traceback logged) on error."""
    # Ctrl-C goes to the whole process group: the launcher alone decides how to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    flags.FLAGS.mark_as_parsed()  # Nodes parse no flags; silences absl's "before flag parsing" note.
    logging.use_absl_handler()
    verbosity = os.environ.get(VERBOSITY_ENV)
    logging.set_verbosity(int(verbosity) if verbosity is not None else logging.WARNING)
    # Orbax logs every checkpoint step at INFO; keep node logs readable.
    logging.get_absl_handler().addFilter(lambda record: "/orbax/" not in record.pathname)
    logging.info("node %s starting (pid %d)", name, os.getpid())
    try:
        xla_flags.start_single_threaded_backend()  # Nodes share the machine's cores.
        fn(**kwargs)
    except BaseException:  # pylint: disable=broad-except
        logging.error("node %s failed:\n%s", name, traceback.format_exc())
        raise SystemExit(1) from None
    logging.info("node %s finished", name)


def wait_for_port(host: str, port: int, timeout_s: float, is_alive: Callable[[], bool]) -> None:
    """Waits until host:port accepts TCP connections (a service is up)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not is_alive():
            raise RuntimeError(f"service on port {port} exited before it started listening")
        try:
            with socket.create_connection((host, port), timeout=1.0):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"service did not listen on {host}:{port} within {timeout_s:.0f} s")
