"""COLLECT stage: online multi-task RL (SAC-X + MPO), every episode saved to RLDS.

  python launch/collect.py --config=experiments/collect.py:state --run_name=my_run
  python launch/collect.py --config=experiments/collect.py:tiny --config.learner.num_steps=200
"""
from chef.launch import cli  # First: quiet library logs.
from absl import logging
from ml_collections import config_flags

from chef.launch import flags as launch_flags
from chef.stages import collect, validation

_CONFIG = config_flags.DEFINE_config_file("config", "experiments/collect.py:state", "Stage config.")


def validate():
    validation.check_collect(_CONFIG.value)
    launch_flags.check_stage_dir("collect")


def main():
    stage = launch_flags.stage_dir("collect")
    summary = collect.run(_CONFIG.value, stage, launch_flags.launch_fn())
    logging.info("COLLECT done: %s (outputs in %s)", summary, stage.path)
    print(f"COLLECT finished: datasets, checkpoints, metrics and results.md in {stage.path}")


if __name__ == "__main__":
    cli.run(main, validate)
