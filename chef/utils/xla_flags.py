"""XLA:CPU settings for processes that share a few cores (every stage on the default 2 CPUs).

- `set_cpu_defaults`: the whole-module CPU runtime (`--xla_cpu_use_thunk_runtime=false`) and
  single-threaded Eigen (`--xla_cpu_multi_thread_eigen=false`). XLA reads XLA_FLAGS when JAX
  starts its backend; spawned node processes inherit the environment.
- `start_single_threaded_backend`: JAX's CPU client sizes its intra-op thread pool by the
  process's CPU affinity when it starts; started with one CPU, the MPO update runs as fast (wall)
  and spends 1.5x less CPU time (benchmarks/learner_throughput.py, docs/agents.md), CPU the
  actors and the evaluator need on 2 cores. The affinity is restored afterwards for every thread
  of the process (the client's threads inherit the narrowed one), so its work still runs on any
  CPU: left pinned, every chef process ran its jitted code on the same CPU.
Both must run before the process's first JAX computation.
"""

import contextlib
import os

CPU_DEFAULTS = ("--xla_cpu_use_thunk_runtime=false", "--xla_cpu_multi_thread_eigen=false")


def set_cpu_defaults() -> None:
    """Adds each of CPU_DEFAULTS to XLA_FLAGS unless XLA_FLAGS already sets that flag."""
    flags = os.environ.get("XLA_FLAGS", "")
    missing = [f for f in CPU_DEFAULTS if f.split("=")[0] not in flags]
    if missing:
        os.environ["XLA_FLAGS"] = " ".join([flags, *missing]).strip()


def start_single_threaded_backend() -> None:
    """Starts JAX's CPU backend with a one-thread intra-op pool (see the module docstring)."""
    set_cpu_defaults()
    import jax  # pylint: disable=import-outside-toplevel

    cpus = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(cpus)})
    try:
        jax.devices("cpu")  # Creates the CPU client and its thread pool.
    finally:
        for thread in os.listdir("/proc/self/task"):  # Linux thread ids; affinity is per thread.
            with contextlib.suppress(ProcessLookupError):  # The thread ended after the listing.
                os.sched_setaffinity(int(thread), cpus)
