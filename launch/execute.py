"""EXECUTE: every trained candidate on the main task, N episodes per test triplet; ranking.

  python launch/execute.py --config=experiments/execute.py:state --run_name=my_run
"""
from chef.launch import cli  # First: quiet library logs.
from absl import logging
from ml_collections import config_flags

from chef.launch import flags as launch_flags
from chef.stages import execute, validation

_CONFIG = config_flags.DEFINE_config_file("config", "experiments/execute.py:state", "Stage config.")


def validate():
    validation.check_execute(_CONFIG.value, launch_flags.input_stage("sweep"))
    launch_flags.check_stage_dir("execute")


def main():
    stage = launch_flags.stage_dir("execute")
    ranking = execute.run(_CONFIG.value, stage, launch_flags.input_stage("sweep"), launch_flags.launch_fn())
    logging.info("EXECUTE ranking: %s", ranking)
    print(f"EXECUTE finished; best candidate {ranking[0]}: {stage.path / 'results.md'}")


if __name__ == "__main__":
    cli.run(main, validate)
