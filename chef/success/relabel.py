"""Success-detector rewards for the data plane's relabelling (`chef.data.relabel`).

`detector_relabel` wraps a trained detector as a `Relabel`: the reward of task
k on reaching an observation is 1 when the detector says task k succeeded in
that observation's camera images, else 0. Episode readers apply it while
reading, so detector rewards sit alongside the stored ones without rewriting
the episodes; MT-Opt's sparse reward is the value at the final step.
"""

from typing import Mapping, Sequence

import numpy as np

from chef.data.relabel import Relabel
from chef.success.model import stack_cameras
from chef.success.training import TrainedDetector, make_predictor


def detector_relabel(
    detector: TrainedDetector,
    camera_keys: Sequence[str],
    task_names: Sequence[str],
    threshold: float = 0.5,
    batch_size: int = 64,
) -> Relabel:
    """A Relabel computing 0/1 rewards [N, T] from the cameras `camera_keys`."""
    if len(task_names) != detector.model.num_tasks:
        raise ValueError(f"the detector knows {detector.model.num_tasks} tasks, got task_names {list(task_names)}")
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold must lie in (0, 1), got {threshold}")
    predictor = make_predictor(detector, batch_size)

    def reward_fn(observations: Mapping[str, np.ndarray]) -> np.ndarray:  # {cam: [N, H, W, 3]} -> [N, T]
        return (predictor(stack_cameras(observations, camera_keys)) >= threshold).astype(np.float32)

    return Relabel(reward_fn, tuple(task_names), input_keys=tuple(camera_keys))
