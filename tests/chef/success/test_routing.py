import numpy as np
import pytest

from chef.configs import mtopt
from chef.mtopt import rgb_tasks
from chef.success import routing


def test_loading_a_detector_refuses_a_directory_that_is_not_a_finished_detector_run(tmp_path):
    family = rgb_tasks.rgb_task_family()
    with pytest.raises(ValueError, match="is not a finished chef-mtopt-detector stage directory: it lacks"):
        routing.load_detector(tmp_path, family)
    (tmp_path / "DONE").write_text("{}")
    (tmp_path / "params.msgpack").write_bytes(b"\x80")  # An empty msgpack map: no parameters.
    (tmp_path / "config.json").write_text('{"detector": {}, "seeds": [0, 1]}')  # An older layout.
    with pytest.raises(ValueError, match="config.json lacks 'holdout_seeds': it was written by an older"):
        routing.load_detector(tmp_path, family)
    config = mtopt.get_config("detector_tiny")
    (tmp_path / "config.json").write_text(config.to_json())
    with pytest.raises(ValueError, match="lacks the final frames .*seed_0.npz"):
        routing.load_detector(tmp_path, family)
    for seed in config.seeds:
        (tmp_path / "frames").mkdir(exist_ok=True)
        np.savez(tmp_path / "frames" / f"seed_{seed}.npz", images=np.zeros(1))
    with pytest.raises(ValueError, match="does not hold this detector's parameters"):
        routing.load_detector(tmp_path, family)
