"""How ambiguous the gripper command is at the grasp point of MT-Opt's scripted picks: one JSON line.

Over the steps of the lift-red, lift-green and lift-blue episodes that succeeded at the task they
were collected for, counts the decisions taken with the gripper open (finger angle below 5) and the
pinch within 12 mm of the object to lift, and how many of them command a close. Before session 20
the decision that reached the grasp point held the gripper open and the next, from a nearly
identical state, closed it (docs/mt_opt.md, "The grasp-point decision").

  .venv/bin/python scripts/grasp_point_labels.py --config=mtopt:state \
      --config.dataset_dir=runs/p10fix_data_seed0/mtopt_ablation/dataset,runs/p10fix_data_seed1/mtopt_ablation/dataset
"""

from chef.launch import cli  # isort: skip  (first: the command-line contract, before JAX and TensorFlow)

import json

import numpy as np

from chef.launch import flags as launch_flags
from chef.mtopt import episodes, launch_setup

_CONFIG = launch_flags.define_config("mtopt:state", "Ablation config; `dataset_dir` names the datasets.")
_NEAR = 0.012  # m between the pinch and the object's centre.
_OPEN = 5.0  # Finger angle below which the gripper counts as open.
_LIFTS = ("lift-red", "lift-green", "lift-blue")


def main():
    config = _CONFIG.value
    setup = launch_setup.from_config(config)
    keys = tuple(dict.fromkeys((*setup.qtopt.observation_keys, "gripper/joints/angle")))
    table = episodes.load_episodes(config.dataset_dir.split(","), setup.family, keys)
    near, close = 0, 0
    for index, task in enumerate(table.collected_for):
        if task not in _LIFTS or not table.labels[index, setup.family.task_id(task)]:
            continue
        steps = slice(table.starts[index], table.starts[index] + table.lengths[index] - 1)  # Steps with an action.
        to_pinch = table.observations[f"rgb30_{task.split('-')[1]}/to_pinch"][steps]
        distance = np.linalg.norm(to_pinch.reshape(len(to_pinch), -1)[:, :3], axis=1)
        angle = table.observations["gripper/joints/angle"][steps].reshape(len(to_pinch), -1)[:, 0]
        at_grasp = (distance < _NEAR) & (angle < _OPEN)
        near += int(at_grasp.sum())
        close += int((table.actions[steps][at_grasp, -1] > 0).sum())
    print(json.dumps({"dataset_dir": config.dataset_dir, "open_near_object": near, "close_commanded": close}))


if __name__ == "__main__":
    cli.run(main, lambda: launch_setup.check(_CONFIG.value))
