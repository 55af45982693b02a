"""EXECUTE: every trained candidate on the main task, N episodes per test triplet; ranking.

chef-execute --config=execute:state --run_name=my_run
"""

from absl import logging

from chef.launch import cli
from chef.launch import flags as launch_flags
from chef.stages import execute, validation

_CONFIG = launch_flags.define_config("execute:state", "Stage config.")


def validate():
    validation.check_execute(_CONFIG.value, launch_flags.input_stage("sweep"))
    launch_flags.check_stage_dir("execute")


def main():
    stage = launch_flags.stage_dir("execute")
    ranking = execute.run(_CONFIG.value, stage, launch_flags.input_stage("sweep"), launch_flags.launch_fn())
    logging.info("EXECUTE ranking: %s", ranking)
    print(f"EXECUTE finished; best candidate {ranking[0]}: {stage.path / 'results.md'}")


def run() -> None:
    """Console script entry point."""
    cli.run(main, validate)


if __name__ == "__main__":
    run()
