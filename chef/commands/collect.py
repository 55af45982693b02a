"""COLLECT stage: online multi-task RL (SAC-X + MPO), every episode saved to RLDS.

chef-collect --config=collect:state --run_name=my_run
chef-collect --config=collect:tiny --config.learner.num_steps=200
"""

from absl import logging

from chef.launch import cli
from chef.launch import flags as launch_flags
from chef.stages import collect, validation

_CONFIG = launch_flags.define_config("collect:state", "Stage config.")


def validate():
    validation.check_collect(_CONFIG.value)
    launch_flags.check_stage_dir("collect")


def main():
    stage = launch_flags.stage_dir("collect")
    summary = collect.run(_CONFIG.value, stage, launch_flags.launch_fn())
    logging.info("COLLECT done: %s (outputs in %s)", summary, stage.path)
    print(f"COLLECT finished: datasets, checkpoints, metrics and results.md in {stage.path}")


def run() -> None:
    """Console script entry point."""
    cli.run(main, validate)


if __name__ == "__main__":
    run()
