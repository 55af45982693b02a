"""chef-replay-server serves the configured tables to clients in other processes."""

import os
import pathlib
import signal
import subprocess

import portpicker
import reverb

from tests import commands

_REPO = pathlib.Path(__file__).resolve().parents[3]


def test_standalone_server_serves_configured_tables():
    port = portpicker.pick_unused_port()
    command = [
        *commands.command("replay_server"),
        f"--port={port}",
        "--config.max_size=77",
        "--config.min_size=2",
        "--config.queue_size=5",
    ]
    server = subprocess.Popen(
        command,
        cwd=_REPO,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(_REPO), "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    try:
        assert server.stdout.readline().strip() == f"replay server listening on port {port}"
        info = reverb.Client(f"localhost:{port}").server_info(timeout=30)
        assert set(info) == {"replay", "queue", "variables"}
        assert info["replay"].max_size == 77 and info["queue"].max_size == 5
        assert info["replay"].rate_limiter_info.min_size_to_sample == 2
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=30) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
