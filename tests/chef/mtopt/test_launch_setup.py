from chef.configs import mtopt
from chef.mtopt import launch_setup


def test_dataset_dir_names_several_directories():
    config = mtopt.get_config("tiny")
    config.dataset_dir = "runs/a/dataset, runs/b/dataset"
    setup = launch_setup.from_config(config)
    # A reused dataset is not collected: no environment is needed.
    assert launch_setup.bootstrap_dataset(config, setup, None, "unused") == ["runs/a/dataset", "runs/b/dataset"]
