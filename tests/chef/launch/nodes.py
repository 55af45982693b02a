"""Node functions for the launcher tests (importable from spawned processes)."""

import os
import pathlib
import time

import numpy as np


def replay_server(port: int) -> None:
    import reverb

    table = reverb.Table.queue("items", max_size=1000)
    server = reverb.Server([table], port=port)
    server.wait()


def producer(address: str, marker_dir: str, crash_first: bool = False) -> None:
    """Inserts integers forever; with crash_first, dies on its first life."""
    marker = pathlib.Path(marker_dir) / f"producer-{os.getpid()}"
    marker.write_text("alive")
    if crash_first and not (pathlib.Path(marker_dir) / "crashed").exists():
        (pathlib.Path(marker_dir) / "crashed").write_text("once")
        os._exit(3)
    import reverb

    client = reverb.Client(address)
    i = 0
    while True:
        client.insert([np.int64(i)], priorities={"items": 1.0})
        i += 1
        time.sleep(0.01)


def consumer(address: str, num_items: int, out_file: str) -> None:
    import reverb

    client = reverb.Client(address)
    values = [int(s[0].data[0]) for s in client.sample("items", num_samples=num_items)]
    pathlib.Path(out_file).write_text(",".join(map(str, values)))


def always_crashes() -> None:
    raise RuntimeError("this worker always fails")


def sleeps_forever(marker_dir: str) -> None:
    (pathlib.Path(marker_dir) / f"sleeper-{os.getpid()}").write_text("alive")
    while True:
        time.sleep(1)


def fails_main(wait_for_sleeper_in: str | None = None) -> None:
    """Raises; first waits (up to 60 s) for a `sleeps_forever` marker in the given directory, so
    that a test can check that the sleeper is stopped too."""
    deadline = time.monotonic() + 60
    while wait_for_sleeper_in and not any(pathlib.Path(wait_for_sleeper_in).glob("sleeper-*")):
        if time.monotonic() > deadline:
            break
        time.sleep(0.1)
    raise ValueError("learner diverged")
