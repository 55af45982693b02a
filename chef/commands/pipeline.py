"""The whole CHEF pipeline: COLLECT -> SWEEP -> EXECUTE -> FINE-TUNE, then Table I, plots, video.

chef-pipeline --config=pipeline:demo --run_name=demo
chef-pipeline --config=pipeline:state --config.collect.learner.num_steps=50000
"""

from chef.launch import cli
from chef.launch import flags as launch_flags
from chef.stages import pipeline, validation

_CONFIG = launch_flags.define_config("pipeline:demo", "Pipeline config.")


def validate():
    validation.check_pipeline(_CONFIG.value)
    for stage in (*pipeline.STAGES, "pipeline"):
        if not launch_flags.stage_complete(stage):  # The pipeline skips complete stages.
            launch_flags.check_stage_dir(stage)


def main():
    outputs = pipeline.run(
        _CONFIG.value,
        launch_flags.ROOT_DIR.value,
        launch_flags.RUN_NAME.value,
        launch_flags.RESUME.value,
        launch_flags.launch_fn(),
    )
    print("\nCHEF pipeline finished.")
    for name, path in outputs.items():
        print(f"  {name:>5}: {path}")
    for name in ("table", "learning"):
        if outputs[name].exists():
            print("\n" + outputs[name].read_text())


def run() -> None:
    """Console script entry point."""
    cli.run(main, validate)


if __name__ == "__main__":
    run()
