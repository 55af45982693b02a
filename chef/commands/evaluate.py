"""Evaluates saved policy parameters on the main task: success per triplet with 95 % intervals.

  chef-evaluate --policy=runs/my_run/finetune/policy --triplets=4 --episodes=50
  chef-evaluate --policy=runs/my_run/collect/policy --triplets=1,2,3,4,5 --output=eval.json
  chef-evaluate --policy=runs/my_run/finetune/policy --triplets=test_random --episodes=100

The network (and its input statistics) is rebuilt from the config.json that the stage which saved
the policy wrote beside it (a FINE-TUNE stage's candidate config, a SWEEP candidate's or COLLECT's
config); `--config_json` names another one. Prints a markdown table; `--output` also writes JSON,
`--dataset_dir` records the episodes (RLDS).
Episode e of triplet t is reset with the seed FINE-TUNE's own evaluation used (same `--seed`),
so the counts of `<run>/finetune/results.json` are reproduced from the saved parameters.
"""

import json
import pathlib

import ml_collections
from absl import flags

from chef.launch import cli
from chef.results import markdown, tables
from chef.stages import components, evaluation
from rgb_stacking_env import object_sets

_POLICY = flags.DEFINE_string("policy", None, "Directory of saved policy parameters (<stage>/policy).", required=True)
_CONFIG_JSON = flags.DEFINE_string(
    "config_json", None, "Stage config.json the policy was trained with (default: the one beside --policy)."
)
_TRIPLETS = flags.DEFINE_list(
    "triplets",
    list(evaluation.TEST_TRIPLETS),
    "Object sets to evaluate on: test triplets 1-5, or test_random / train_random / heldout_random.",
)
_EPISODES = flags.DEFINE_integer("episodes", 10, "Episodes per triplet.", lower_bound=1)
_SEED = flags.DEFINE_integer("seed", 0, "Evaluation seed (episode e of triplet t resets with a seed from it).")
_OUTPUT = flags.DEFINE_string("output", None, "JSON file for the counts (refused if it exists).")
_DATASET_DIR = flags.DEFINE_string("dataset_dir", None, "Also record every episode here (RLDS; refused if it exists).")


def policy_config(policy_dir: pathlib.Path, config_json: pathlib.Path | None = None) -> ml_collections.ConfigDict:
    """The agent config a saved policy was trained with: FINE-TUNE's `candidate_config`, else the file itself."""
    path = config_json or policy_dir.parent / "config.json"
    if not path.is_file():
        raise FileNotFoundError(f"no config.json beside {policy_dir} (looked for {path}); pass --config_json")
    stored = json.loads(path.read_text())
    return ml_collections.ConfigDict(stored.get("candidate_config", stored))


def validate():
    policy = pathlib.Path(_POLICY.value)
    if not policy.is_dir():
        raise FileNotFoundError(f"--policy {policy} is not a directory of saved parameters")
    unknown = sorted(set(_TRIPLETS.value) - set(object_sets.OBJECT_SETS))
    if unknown:
        cli.fail(f"--triplets {unknown} unknown; valid: {list(object_sets.OBJECT_SETS)}")
    for flag in (_OUTPUT, _DATASET_DIR):
        if flag.value and pathlib.Path(flag.value).exists():
            cli.fail(f"--{flag.name} {flag.value} exists; choose a new path")
    config = policy_config(policy, pathlib.Path(_CONFIG_JSON.value) if _CONFIG_JSON.value else None)
    for section in ("env", "network", "mpo", "scheduler"):
        if section not in config:
            cli.fail(f"the config of {policy} has no '{section}' section: not an MPO policy's stage config")


def main():
    policy = pathlib.Path(_POLICY.value)
    config = policy_config(policy, pathlib.Path(_CONFIG_JSON.value) if _CONFIG_JSON.value else None)
    spec = components.StageSpec.from_config(config)
    params = evaluation.load_policy_params(spec, policy)
    counts = evaluation.evaluate(
        spec,
        params,
        _EPISODES.value,
        triplets=_TRIPLETS.value,
        seed=_SEED.value,
        dataset_dir=_DATASET_DIR.value,
        stage="evaluate",
        checkpoint=str(policy),
        progress_label=f"evaluate {policy}",
    ).counts
    table = {str(policy): counts}
    print(f"\n{config.scheduler.main_task} success, {_EPISODES.value} episodes per triplet (95 % Wilson intervals)\n")
    print(markdown.to_markdown(tables.formatted_frame(table)))
    if _OUTPUT.value:
        output = pathlib.Path(_OUTPUT.value)
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(
            json.dumps(
                {
                    "policy": str(policy),
                    "main_task": config.scheduler.main_task,
                    "seed": _SEED.value,
                    "success": tables.dump_count_table(table)[str(policy)],
                },
                indent=1,
            )
        )


def run() -> None:
    """Console script entry point."""
    cli.run(main, validate)


if __name__ == "__main__":
    run()
