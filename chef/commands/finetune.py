"""FINE-TUNE: the best EXECUTE candidate continues offline on COLLECT + EXECUTE data.

chef-finetune --config=finetune:state --run_name=my_run
"""

from absl import logging

from chef.launch import cli
from chef.launch import flags as launch_flags
from chef.stages import finetune, validation

_CONFIG = launch_flags.define_config("finetune:state", "Stage config.")


def validate():
    validation.check_finetune(_CONFIG.value, *(launch_flags.input_stage(s) for s in ("collect", "sweep", "execute")))
    launch_flags.check_stage_dir("finetune")


def main():
    stage = launch_flags.stage_dir("finetune")
    summary = finetune.run(
        _CONFIG.value,
        stage,
        launch_flags.input_stage("collect"),
        launch_flags.input_stage("sweep"),
        launch_flags.input_stage("execute"),
    )
    logging.info("FINE-TUNE done: %s", summary)
    print(f"FINE-TUNE finished: {stage.path / 'results.md'}, video {stage.path / 'videos/final.mp4'}")


def run() -> None:
    """Console script entry point."""
    cli.run(main, validate)


if __name__ == "__main__":
    run()
