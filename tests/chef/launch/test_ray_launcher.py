import pytest
import ray

from chef.launch import program as program_lib
from chef.launch import ray_launcher
from tests.chef.launch import nodes, programs


@pytest.fixture(scope="module")
def local_ray():
    ray.init(
        num_cpus=4,
        include_dashboard=False,
        configure_logging=False,
        runtime_env={"env_vars": {"JAX_PLATFORMS": "cpu", "TF_CPP_MIN_LOG_LEVEL": "2"}},
    )
    yield
    ray.shutdown()


def test_ray_program_moves_data_through_reverb_and_restarts_a_worker(local_ray, tmp_path):
    restarts = ray_launcher.launch(programs.producer_consumer(tmp_path, crash_first=True))
    values = [int(v) for v in (tmp_path / "out.txt").read_text().split(",")]
    assert values == list(range(50))
    assert restarts == {"replay": 0, "producer": 1, "consumer": 0}


def test_ray_failed_main_node_is_reported(local_ray):
    program = program_lib.Program([program_lib.Node("learner", nodes.fails_main, role="main", num_cpus=0.5)])
    with pytest.raises(program_lib.NodeFailure, match="'learner' .*learner diverged"):
        ray_launcher.launch(program)


def test_program_larger_than_the_cluster_is_refused_not_left_waiting(local_ray):
    program = program_lib.Program(
        [
            program_lib.Node("learner", nodes.fails_main, role="main", num_cpus=3),
            program_lib.Node("actor", nodes.fails_main, role="worker", num_cpus=2),
        ]
    )
    with pytest.raises(program_lib.NodeFailure, match="need 5 CPUs together, the Ray cluster has 4"):
        ray_launcher.launch(program)
