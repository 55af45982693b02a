import os
import pathlib
import signal
import subprocess
import sys
import time

import pytest

from chef.launch import local
from chef.launch import program as program_lib
from tests.chef.launch import nodes, programs


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = pathlib.Path(f"/proc/{pid}/status")
    return status.exists() and "zombie" not in status.read_text()


def test_data_flows_through_reverb_and_a_crashed_worker_is_restarted(tmp_path):
    restarts = local.launch(programs.producer_consumer(tmp_path, crash_first=True))
    values = [int(v) for v in (tmp_path / "out.txt").read_text().split(",")]
    assert values == list(range(50))  # FIFO queue: the restarted producer's items, in order.
    assert restarts == {"replay": 0, "producer": 1, "consumer": 0}
    pids = [int(p.name.split("-")[1]) for p in tmp_path.glob("producer-*")]
    assert len(pids) == 2 and not any(_alive(pid) for pid in pids)  # Stopped at the end.


def test_worker_out_of_restarts_fails_the_program():
    program = program_lib.Program(
        [
            program_lib.Node("actor", nodes.always_crashes, max_restarts=1),
            program_lib.Node("learner", nodes.sleeps_forever, role="main", kwargs={"marker_dir": "/tmp"}),
        ]
    )
    with pytest.raises(program_lib.NodeFailure, match="'actor' .* after 1 restarts"):
        local.launch(program)


def test_failed_main_node_fails_the_program(tmp_path):
    program = program_lib.Program(
        [
            program_lib.Node("sleeper", nodes.sleeps_forever, kwargs={"marker_dir": str(tmp_path)}),
            # Fails once the sleeper runs (a spawned process can take seconds to start on a busy machine).
            program_lib.Node("learner", nodes.fails_main, role="main", kwargs={"wait_for_sleeper_in": str(tmp_path)}),
        ]
    )
    with pytest.raises(program_lib.NodeFailure, match="'learner' \\(main\\) exited with code 1"):
        local.launch(program)
    pids = [int(p.name.split("-")[1]) for p in tmp_path.glob("sleeper-*")]
    assert pids and not any(_alive(pid) for pid in pids)


def test_ctrl_c_stops_every_process(tmp_path):
    script = (
        "from chef.launch import local, program as p\n"
        "from tests.chef.launch import nodes\n"
        f"d = {str(tmp_path)!r}\n"
        "prog = p.Program([p.Node('a', nodes.sleeps_forever, kwargs={'marker_dir': d}),\n"
        "                  p.Node('b', nodes.sleeps_forever, role='main', kwargs={'marker_dir': d})])\n"
        "if __name__ == '__main__':\n"
        "    local.launch(prog)\n"
    )
    # As from a terminal: SIGINT at its default, whatever this test process inherited (a shell
    # that starts background jobs, or a test runner, may leave SIGINT ignored, which Python keeps).
    launcher = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=pathlib.Path(__file__).parents[3],
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 60
    while len(list(tmp_path.glob("sleeper-*"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    pids = [int(p.name.split("-")[1]) for p in tmp_path.glob("sleeper-*")]
    try:
        assert len(pids) == 2
        launcher.send_signal(signal.SIGINT)
        # A liveness bound: stopping is a SIGTERM, a 10 s grace period, then SIGKILL.
        assert launcher.wait(timeout=60) != 0
        assert not any(_alive(pid) for pid in pids)
    finally:  # Leave no process behind when an assertion fails.
        for pid in [launcher.pid, *pids]:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
