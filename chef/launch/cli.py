"""The contract of every command: quiet output, and bad input refused before anything exists.

`cli.run(main, validate)` replaces `absl.app.run(main)`:
- a malformed flag or config file, or anything `validate()` rejects, prints one line
  `error: <what>` on stderr and exits with status 2 before `main` runs, so nothing is created;
- a run-directory refusal raised later by `main` (`--resume` with a changed config, found
  before anything is written) gets the same one line and status;
- library logs (absl INFO, TensorFlow/Reverb C++ INFO and WARNING, DeprecationWarnings) are off
  unless `--verbosity` is given (`--verbosity=0` shows INFO); our progress bars, summaries,
  warnings and errors always print. Node processes inherit the choice.
- XLA:CPU runs as `chef.utils.xla_flags` sets it (flags inherited by node processes, a
  one-thread backend started before `validate()`).
Import this module before TensorFlow, JAX or Reverb: it sets their logging variables.
"""

import logging as std_logging
import os
import sys
import warnings
from typing import Any, Callable


def _verbosity_requested(argv: list[str]) -> bool:
    return any(a.startswith(("--verbosity", "-v=")) or a == "-v" for a in argv[1:])


from chef.utils import xla_flags  # noqa: E402  (imports nothing heavy)

xla_flags.set_cpu_defaults()  # Before any JAX computation, here and in spawned node processes.

os.environ.setdefault("MUJOCO_GL", "egl")  # Headless rendering, before dm_control picks a backend.

if not _verbosity_requested(sys.argv):  # Before TensorFlow / Reverb load (chef.data imports them).
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("PYTHONWARNINGS", "ignore::DeprecationWarning")  # Spawned node processes.
    # dm_control's composer turns every DeprecationWarning on when imported: import it first.
    import dm_control.composer.environment  # noqa: F401  pylint: disable=unused-import

    warnings.filterwarnings("ignore", category=DeprecationWarning)

# pylint: disable=wrong-import-position
from absl import app, flags, logging  # noqa: E402

from chef.data.layout import DatasetError  # noqa: E402
from chef.launch.node_runner import VERBOSITY_ENV  # noqa: E402
from chef.utils import config as config_lib  # noqa: E402
from chef.utils.config import ConfigError  # noqa: E402
from chef.utils.run_dir import RunDirError  # noqa: E402
from rgb_stacking_env import EnvConfigError  # noqa: E402

BAD_INPUT_EXIT_CODE = 2
# Errors that mean the user's input (flags, config, input directories) is wrong.
BAD_INPUT = (ConfigError, EnvConfigError, RunDirError, DatasetError, FileNotFoundError, flags.Error)


def fail(message: str) -> None:
    """Ends the process with one line on stderr and the bad-input exit status."""
    sys.stderr.write(f"error: {' '.join(str(message).split())}\n")
    sys.stderr.flush()
    sys.exit(BAD_INPUT_EXIT_CODE)


def _resolve_config(argv: list[str]) -> list[str]:
    """`--config=<name>[:variant]` naming a packaged config becomes its path (chef.utils.config.resolve_config_file)."""
    return [
        f"--config={config_lib.resolve_config_file(a.split('=', 1)[1])}" if a.startswith("--config=") else a
        for a in argv
    ]


def _parse_flags(argv: list[str]) -> list[str]:
    argv = _resolve_config(argv)
    try:
        return flags.FLAGS(argv)
    except flags.Error as e:
        message = str(e)
        if "Traceback" in message:  # A config file's get_config raised: keep its last line.
            message = f"{message.split(': Error whilst parsing')[0]}: {message.strip().splitlines()[-1]}"
        fail(message)
    except (AttributeError, KeyError) as e:  # ml_collections: an override of a field that does not exist.
        field = str(e).strip("\"'")
        fail(f"flag {_config_override(argv, field)}: '{field}' is not a field of the config")
    except (TypeError, ValueError) as e:
        fail(f"flag {_config_override(argv)}: {e}")


def _config_override(argv: list[str], field: str = "") -> str:
    """The --config.<path>=value argument naming `field` (else the first one)."""
    overrides = [a for a in argv[1:] if a.startswith("--config.")]
    named = [a for a in overrides if f".{field}" in a.split("=")[0]] if field else []
    return (named or overrides or ["--config"])[0]


def configure_logging() -> None:
    """Library logs off (WARNING and above still print) unless --verbosity was given."""
    if flags.FLAGS["verbosity"].present:
        os.environ[VERBOSITY_ENV] = str(flags.FLAGS.verbosity)
        return
    logging.get_absl_handler().setLevel(std_logging.WARNING)  # Stage log files keep INFO.


def run(main: Callable[[], Any], validate: Callable[[], Any]) -> None:
    """Runs a command: parse flags, `validate()`, then `main()` (see the module docstring)."""

    def _main(argv: list[str]) -> None:
        if len(argv) > 1:
            fail(f"unexpected positional arguments {argv[1:]}; flags are written --name=value")
        configure_logging()
        xla_flags.start_single_threaded_backend()  # Before validate() may compute with JAX.
        try:
            validate()
        except BAD_INPUT as e:
            fail(str(e))
        try:
            main()
        except RunDirError as e:  # Found before writing, e.g. --resume with a changed config.
            fail(str(e))

    app.run(_main, flags_parser=_parse_flags)
