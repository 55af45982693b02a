import os

from chef.utils import xla_flags


def test_cpu_defaults_are_added_once_and_never_override_a_users_flag(monkeypatch):
    monkeypatch.setenv("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=true --xla_dump_to=/tmp/x")
    xla_flags.set_cpu_defaults()
    xla_flags.set_cpu_defaults()
    assert xla_flags.CPU_DEFAULTS[0] in os.environ["XLA_FLAGS"]
    assert os.environ["XLA_FLAGS"].split() == [
        "--xla_cpu_multi_thread_eigen=true", "--xla_dump_to=/tmp/x", "--xla_cpu_use_thunk_runtime=false"]
    monkeypatch.delenv("XLA_FLAGS")
    xla_flags.set_cpu_defaults()
    assert os.environ["XLA_FLAGS"].split() == list(xla_flags.CPU_DEFAULTS)


def test_starting_the_backend_restores_the_cpu_affinity():
    cpus = os.sched_getaffinity(0)
    xla_flags.start_single_threaded_backend()  # conftest started it already: idempotent.
    assert os.sched_getaffinity(0) == cpus
