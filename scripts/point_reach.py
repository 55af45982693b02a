"""The known-answer problem of `chef.mtopt.point_reach`: QT-Opt's greedy success when episodes end
at the first success and when the reward comes at a fixed deadline, on the same rollouts; one
JSON line. docs/mt_opt.md quotes it ("Where an episode ends"; with RGB's action noise and data
size, "One task at a time").

  .venv/bin/python scripts/point_reach.py --layers=256     # the state config's layer width
  # RGB collection's action diversity: little velocity noise, a tenth of decisions uniform
  .venv/bin/python scripts/point_reach.py --noise=0.08 --random_probability=0.1 --episode_ends=success
"""

import json

from absl import app, flags

from chef.utils import xla_flags

_LAYERS = flags.DEFINE_integer("layers", 64, "Units per QT-Opt layer (mtopt:state has 256).")
_STEPS = flags.DEFINE_integer("steps", 3000, "Learner steps per episode end.")
_EPISODES = flags.DEFINE_integer("episodes", 4000, "Offline episodes of the noisy controller.")
_NOISE = flags.DEFINE_float("noise", 1.5, "The controller's Gaussian velocity noise, in multiples of the bound.")
_RANDOM = flags.DEFINE_float("random_probability", 0.0, "Share of decisions with uniform random velocities.")
_ENDS = flags.DEFINE_multi_enum("episode_ends", ["success", "deadline"], ["success", "deadline"], "Episode ends.")
flags.register_validator("noise", lambda value: value >= 0, "--noise must be >= 0")
flags.register_validator("random_probability", lambda value: 0 <= value <= 1, "--random_probability must lie in [0, 1]")


def main(argv):
    del argv
    xla_flags.start_single_threaded_backend()
    from chef.configs import mtopt  # pylint: disable=import-outside-toplevel
    from chef.mtopt import point_reach  # pylint: disable=import-outside-toplevel  After the backend.

    config = point_reach.qtopt_config(mtopt.get_config("state").qtopt, _LAYERS.value)
    result = point_reach.compare(config, _STEPS.value, _EPISODES.value, _NOISE.value, _RANDOM.value, _ENDS.value)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    app.run(main)
