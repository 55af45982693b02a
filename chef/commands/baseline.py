"""Per-task return and success of a uniformly random or the scripted policy on a stage config's env.

The reference a learning curve is read against (docs/results.md):
  chef-baseline --config=collect:state --policy=random --episodes=20
Prints one JSON object per task and writes them all to --output when given.
"""

import json
import pathlib

import numpy as np
from absl import flags
from tqdm import trange

import rgb_stacking_env
from chef.agents.random_actor import UniformRandomActor
from chef.agents.scripted import ScriptedStackingActor
from chef.launch import cli
from chef.launch import flags as launch_flags
from chef.stages import components, episodes
from chef.utils import config as config_lib

_CONFIG = launch_flags.define_config("collect:state", "Stage config (env section).")
_POLICY = flags.DEFINE_enum("policy", "random", ["random", "scripted"], "Which policy acts.")
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
    env = components.make_env(config, seed=config.seed)
    if _POLICY.value == "random":
        actor = UniformRandomActor(env.action_spec().shape[0], seed=config.seed)
    else:
        actor = ScriptedStackingActor(env.to_canonical, _NOISE.value, seed=config.seed)
    returns, successes = [], []
    for _ in trange(_EPISODES.value, desc=f"{_POLICY.value} episodes"):
        result = episodes.run_episode(env, actor, [0], config.env.episode_length)
        returns.append(result.returns)
        successes.append(result.success)
    env.close()
    returns, successes = np.stack(returns), np.asarray(successes, np.float64)  # [E, T]
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
