"""HYPERPARAMETER EXPLORATION: offline training of every sweep candidate on the COLLECT data.

  python launch/sweep.py --config=experiments/sweep.py:state --sweep=sweeps/chef_offline_state.py --run_name=my_run
"""
from chef.launch import cli  # First: quiet library logs.
from absl import flags, logging
from ml_collections import config_flags

from chef.launch import flags as launch_flags
from chef.stages import sweep, validation

_CONFIG = config_flags.DEFINE_config_file("config", "experiments/sweep.py:state", "Base config of the candidates.")
_SWEEP = flags.DEFINE_string("sweep", "sweeps/chef_offline_state.py", "Sweep file (a module with get_sweep()).")


def validate():
    validation.check_sweep(_CONFIG.value, _SWEEP.value, launch_flags.input_stage("collect"))
    launch_flags.check_stage_dir("sweep")


def main():
    stage = launch_flags.stage_dir("sweep")
    summary = sweep.run(_CONFIG.value, _SWEEP.value, stage, launch_flags.input_stage("collect"),
                        launch_flags.launch_fn())
    logging.info("SWEEP done: %s", summary)
    print(f"SWEEP finished ({summary['trained']} of {summary['candidates']} candidates trained): "
          f"{stage.path / 'results.md'}")


if __name__ == "__main__":
    cli.run(main, validate)
