"""Programs shared by the local and Ray launcher tests."""

from chef.launch import program as program_lib
from tests.chef.launch import nodes


def producer_consumer(tmp_path, crash_first=False, cpus=0.5):
    program = program_lib.Program()
    program.add(program_lib.Node("replay", nodes.replay_server, role="service", num_cpus=cpus))
    program.add(
        program_lib.Node(
            "producer",
            nodes.producer,
            num_cpus=cpus,
            kwargs=dict(address=program_lib.Address("replay"), marker_dir=str(tmp_path), crash_first=crash_first),
        )
    )
    program.add(
        program_lib.Node(
            "consumer",
            nodes.consumer,
            role="main",
            num_cpus=cpus,
            kwargs=dict(address=program_lib.Address("replay"), num_items=50, out_file=str(tmp_path / "out.txt")),
        )
    )
    return program
