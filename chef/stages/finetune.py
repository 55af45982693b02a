"""FINE-TUNE: restore the best EXECUTE candidate and continue offline on COLLECT + EXECUTE data,
each mini-batch split between the two by `config.finetune.proportions` (CHEF: half and half).

Outputs: checkpoints/, policy/, metrics/learner.jsonl, datasets/evaluation/ (RLDS of the final
evaluation), results.json / results.md (main-task success per triplet), videos/final.mp4.
"""

import pathlib

import ml_collections

from chef.results import writers
from chef.stages import checkpoints, components, evaluation, execute, offline, validation
from chef.utils import run_dir


def run(
    config: ml_collections.ConfigDict, stage: run_dir.StageDir, collect_dir: str, sweep_dir: str, execute_dir: str
) -> dict:
    best = execute.best_candidate(execute_dir)
    candidate_dir = pathlib.Path(sweep_dir) / "candidates" / best
    candidate = execute.candidate_config(candidate_dir)
    candidate.learner.num_steps = config.finetune.num_steps
    candidate.learner.checkpoint_period = max(config.finetune.num_steps // 4, 1)
    stage.write_config(dict(finetune=config.to_dict(), candidate=best, candidate_config=candidate.to_dict()))
    spec = components.StageSpec.from_config(candidate)
    _, start = checkpoints.latest(candidate_dir / "checkpoints")
    sources = [
        validation.stage_datasets(collect_dir, "chef-collect"),
        validation.stage_datasets(execute_dir, "chef-execute"),
    ]
    metrics = offline.train(
        spec, sources, list(config.finetune.proportions), str(stage.path), init_checkpoint=str(start)
    )
    params = evaluation.load_policy_params(spec, stage.path / "policy")
    counts = evaluation.evaluate(
        spec,
        params,
        config.evaluation.episodes_per_triplet,
        triplets=config.evaluation.triplets,
        dataset_dir=str(stage.subdir("datasets/evaluation")),
        stage="finetune",
        checkpoint=str(stage.path / "policy"),
        seed=config.seed,
        progress_label="evaluate fine-tuned",
    ).counts
    if config.finetune.video:
        evaluation.record_video(spec, params, str(stage.subdir("videos") / "final.mp4"), seed=config.seed)
    writers.write_evaluation_results(
        stage.path,
        "FINE-TUNE",
        counts,
        main_task=config.scheduler.main_task,
        extra={"candidate": best, "final_metrics": metrics},
    )
    summary = {"candidate": best, "success": {t: c.rate for t, c in counts.items()}}
    stage.mark_done(summary)
    return summary
