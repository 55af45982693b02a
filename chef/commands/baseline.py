"""Per-task return and success of a uniformly random or the scripted policy on a stage config's env.

The reference a learning curve is read against (docs/results.md):
  chef-baseline --config=collect:state --policy=random --episodes=20
Prints one JSON object per task and writes them all to --output when given.
"""

import json
import pathlib

from absl import flags

import rgb_stacking_env
from chef.launch import cli
from chef.launch import flags as launch_flags
from chef.stages import baselines
from chef.utils import config as config_lib

_CONFIG = launch_flags.define_config("collect:state", "Stage config (env section).")
_POLICY = flags.DEFINE_enum("policy", "random", list(baselines.POLICIES), "Which policy acts.")
_EPISODES = flags.DEFINE_integer("episodes", 20, "Episodes to run.", lower_bound=1)
_NOISE = flags.DEFINE_float("scripted_noise", 0.2, "Action noise of the scripted policy.", lower_bound=0.0)
_OUTPUT = flags.DEFINE_string("output", None, "JSON file for the results (refused if it exists).")


def validate():
    if _OUTPUT.value and pathlib.Path(_OUTPUT.value).exists():
        cli.fail(f"--output {_OUTPUT.value} exists; choose a new path")
    config_lib.from_config(rgb_stacking_env.environment.EnvConfig, _CONFIG.value.env, where="config.env")


def main():
    output = pathlib.Path(_OUTPUT.value) if _OUTPUT.value else None
    config = _CONFIG.value
    returns, successes = baselines.policy_returns(config, _POLICY.value, _EPISODES.value, _NOISE.value)  # [E, T]
    rows = [
        {
            "policy": _POLICY.value,
            "task": task,
            "episodes": len(returns),
            "episode_length": config.env.episode_length,
            "object_set": config.env.object_set,
            "mean_return": float(returns[:, i].mean()),
            "std_return": float(returns[:, i].std()),
            "success_rate": float(successes[:, i].mean()),
        }
        for i, task in enumerate(rgb_stacking_env.TASK_NAMES)
    ]
    for row in rows:
        print(json.dumps(row))
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(rows, indent=1))


def run() -> None:
    """Console script entry point."""
    cli.run(main, validate)


if __name__ == "__main__":
    run()
