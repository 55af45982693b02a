"""Flags every stage script shares: run directory, resume, launcher."""

import os

from absl import flags
from ml_collections import config_flags

from chef.utils import config as config_lib

RUN_NAME = flags.DEFINE_string("run_name", "default", "Name of the run: outputs go to <root_dir>/<run_name>/<stage>/.")
ROOT_DIR = flags.DEFINE_string("root_dir", "runs", "Directory holding all runs.")
RESUME = flags.DEFINE_bool("resume", False, "Continue an unfinished stage of this run.")
LAUNCHER = flags.DEFINE_enum("launcher", "local", ["local", "ray"], "Where the stage's processes run.")
RAY_ADDRESS = flags.DEFINE_string(
    "ray_address", None, "Ray cluster to join ('auto', host:port); default: start a local Ray instance."
)


def launch_fn():
    """The chosen launcher as a function Program -> restarts."""
    if LAUNCHER.value == "ray":
        from chef.launch import ray_launcher  # Ray is imported only when used.

        return lambda program: ray_launcher.launch(program, address=RAY_ADDRESS.value)
    from chef.launch import local

    return local.launch


def check_stage_dir(stage: str) -> None:
    """Raises RunDirError if this script may not write <root_dir>/<run_name>/<stage>/ (creates nothing)."""
    from chef.utils import run_dir

    run_dir.check_stage(ROOT_DIR.value, RUN_NAME.value, stage, resume=RESUME.value)


def stage_complete(stage: str) -> bool:
    from chef.utils import run_dir

    return run_dir.is_complete(ROOT_DIR.value, RUN_NAME.value, stage)


def stage_dir(stage: str):
    """The StageDir this script writes: <root_dir>/<run_name>/<stage>/ (refuses to overwrite)."""
    from chef.utils import run_dir

    directory = run_dir.StageDir(ROOT_DIR.value, RUN_NAME.value, stage, resume=RESUME.value)
    directory.log_to_file()
    return directory


def input_stage(stage: str) -> str:
    """The directory of an earlier stage of the same run."""
    return os.path.join(ROOT_DIR.value, RUN_NAME.value, stage)


def define_config(default: str, help_string: str) -> flags.FlagHolder:
    """The --config flag: `path[:variant]`, or a packaged config by name (`collect:state`;
    chef.utils.config.resolve_config_file); `--config.<field>=value` overrides a field."""
    return config_flags.DEFINE_config_file("config", config_lib.resolve_config_file(default), help_string)
