"""HYPERPARAMETER EXPLORATION: offline training of every sweep candidate on the COLLECT data.

chef-sweep --config=sweep:state --sweep=sweeps/chef_offline_state.py --run_name=my_run
"""

from absl import flags, logging

from chef.launch import cli
from chef.launch import flags as launch_flags
from chef.stages import sweep, validation

_CONFIG = launch_flags.define_config("sweep:state", "Base config of the candidates.")
_SWEEP = flags.DEFINE_string("sweep", "sweeps/chef_offline_state.py", "Sweep file (a module with get_sweep()).")


def validate():
    validation.check_sweep(_CONFIG.value, _SWEEP.value, launch_flags.input_stage("collect"))
    launch_flags.check_stage_dir("sweep")


def main():
    stage = launch_flags.stage_dir("sweep")
    summary = sweep.run(
        _CONFIG.value, _SWEEP.value, stage, launch_flags.input_stage("collect"), launch_flags.launch_fn()
    )
    logging.info("SWEEP done: %s", summary)
    print(
        f"SWEEP finished ({summary['trained']} of {summary['candidates']} candidates trained): "
        f"{stage.path / 'results.md'}"
    )


def run() -> None:
    """Console script entry point."""
    cli.run(main, validate)


if __name__ == "__main__":
    run()
