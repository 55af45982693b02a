import os

import jax
import jax.numpy as jnp

from chef.utils import xla_flags


def test_cpu_defaults_are_added_once_and_never_override_a_users_flag(monkeypatch):
    monkeypatch.setenv("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=true --xla_dump_to=/tmp/x")
    xla_flags.set_cpu_defaults()
    xla_flags.set_cpu_defaults()
    assert xla_flags.CPU_DEFAULTS[0] in os.environ["XLA_FLAGS"]
    assert os.environ["XLA_FLAGS"].split() == [
        "--xla_cpu_multi_thread_eigen=true",
        "--xla_dump_to=/tmp/x",
        "--xla_cpu_use_thunk_runtime=false",
    ]
    monkeypatch.delenv("XLA_FLAGS")
    xla_flags.set_cpu_defaults()
    assert os.environ["XLA_FLAGS"].split() == list(xla_flags.CPU_DEFAULTS)


def test_starting_the_backend_restores_the_cpu_affinity_of_every_thread():
    cpus = os.sched_getaffinity(0)
    xla_flags.start_single_threaded_backend()  # conftest started it already: idempotent.
    jax.block_until_ready(jnp.ones((64, 64)) @ jnp.ones((64, 64)))
    # The CPU client's threads, created while the affinity was narrowed, run on every CPU too.
    assert {tid: os.sched_getaffinity(int(tid)) for tid in os.listdir("/proc/self/task")} == {
        tid: cpus for tid in os.listdir("/proc/self/task")
    }
