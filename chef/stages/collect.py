"""COLLECT: online multi-task RL with a replay server, a learner, N actors and an evaluator.

Outputs in the stage directory: datasets/actor_<i>/, datasets/evaluator/ and
datasets/final_evaluation/ (RLDS, every episode), checkpoints/step_<n>/ (orbax), policy/ (the
final policy), metrics/{learner,actor_<i>,evaluator}.jsonl, results.json / results.md (the
final policy's main-task success per triplet).
With `config.input_statistics.episodes` > 0, the agent's vector inputs are standardised with
statistics of that many scripted episodes, measured before launch and stored in config.json.
A killed run continues with `--resume`: the learner restores its newest checkpoint, actors
append to their datasets, and on the 'learner' data path (`config.replay.data_path`) the replay
is refilled with the actors' newest committed transitions; on the 'reverb' path it starts empty.
"""

from typing import Callable

import ml_collections

from chef.data import layout, rlds_writer
from chef.launch import program as program_lib
from chef.results import writers
from chef.stages import checkpoints, components, evaluation, evaluator, input_statistics, online
from chef.utils import run_dir


def build_program(config: ml_collections.ConfigDict, stage: run_dir.StageDir) -> program_lib.Program:
    """The stage's processes for a config that `run` has validated."""
    plain = config.to_dict()
    replay = program_lib.Address("replay")
    metrics_dir = str(stage.subdir("metrics"))
    program = program_lib.Program()
    program.add(program_lib.Node("replay", online.run_replay, dict(config=plain), role="service"))
    program.add(
        program_lib.Node(
            "learner",
            online.run_learner,
            role="main",
            kwargs=dict(
                config=plain,
                replay_address=replay,
                checkpoint_dir=str(stage.subdir("checkpoints")),
                metrics_dir=metrics_dir,
                policy_dir=str(stage.path / "policy"),
                dataset_dirs=[str(stage.path / f"datasets/actor_{i}") for i in range(config.actors.num_actors)],
            ),
        )
    )
    for i in range(config.actors.num_actors):
        program.add(
            program_lib.Node(
                f"actor_{i}",
                online.run_actor,
                max_restarts=config.actors.max_restarts,
                kwargs=dict(
                    config=plain,
                    actor_id=i,
                    replay_address=replay,
                    dataset_dir=str(stage.subdir(f"datasets/actor_{i}")),
                    metrics_dir=metrics_dir,
                ),
            )
        )
    if config.evaluator.enabled:
        program.add(
            program_lib.Node(
                "evaluator",
                evaluator.run_evaluator,
                max_restarts=config.actors.max_restarts,
                kwargs=dict(
                    config=plain,
                    replay_address=replay,
                    dataset_dir=str(stage.subdir("datasets/evaluator")),
                    metrics_dir=metrics_dir,
                ),
            )
        )
    return program


def run(
    config: ml_collections.ConfigDict, stage: run_dir.StageDir, launch: Callable[[program_lib.Program], dict]
) -> dict:
    """Measures the input statistics (if asked), runs the stage with `launch` (local or Ray),
    evaluates the final policy per triplet (results.json / results.md) and marks the stage done."""
    components.validate(config, online=True)
    input_statistics.standardise(config, stage.stored_config())
    stage.write_config(config)
    restarts = launch(build_program(config, stage))
    for directory in layout.dataset_directories(stage.path / "datasets"):
        rlds_writer.finalize(directory)  # The launcher stopped the actors: dataset_info.json for plain tfds.
    _, checkpoint = checkpoints.latest(stage.path / "checkpoints")
    spec = components.StageSpec.from_config(config)
    params = evaluation.load_policy_params(spec, stage.path / "policy")
    counts = evaluation.evaluate(
        spec,
        params,
        config.evaluation.episodes_per_triplet,
        triplets=config.evaluation.triplets,
        dataset_dir=str(stage.subdir("datasets/final_evaluation")),
        stage="collect",
        checkpoint=str(stage.path / "policy"),
        seed=config.seed,
        progress_label="evaluate COLLECT policy",
    ).counts
    writers.write_evaluation_results(
        stage.path,
        "COLLECT",
        counts,
        main_task=config.scheduler.main_task,
        extra={"checkpoint": str(checkpoint), "restarts": restarts},
    )
    summary = {"checkpoint": str(checkpoint), "restarts": restarts, "success": {t: c.rate for t, c in counts.items()}}
    stage.mark_done(summary)
    return summary
