"""The CHEF pipeline: COLLECT -> SWEEP -> EXECUTE -> FINE-TUNE, then the Table I style report.

Stages already complete in the run directory are skipped (never rerun or overwritten); an
unfinished one continues with `resume`. The pipeline stage writes results.json, table_1.md,
learning.md (COLLECT's actor returns per task, early and late, beside the uniform random
policy's), plots/*.png and videos/final.mp4 (a copy of FINE-TUNE's video).
"""

import json
import pathlib
import shutil
from typing import Callable

import ml_collections
from absl import logging

from chef.launch import program as program_lib
from chef.results import learning, plots, run_reader, stats, tables, writers
from chef.stages import baselines, collect, execute, finetune, sweep
from chef.utils import run_dir
from rgb_stacking_env.rewards import TASK_NAMES

STAGES = ("collect", "sweep", "execute", "finetune")
RANDOM_EPISODES = 8  # Uniform random episodes that COLLECT's learning is compared with.


def _stage(root: str, run_name: str, name: str, resume: bool) -> run_dir.StageDir | None:
    """The stage's directory, or None when that stage is already complete."""
    if run_dir.is_complete(root, run_name, name):
        logging.info("stage %s of run %s is complete; skipping it", name, run_name)
        return None
    return run_dir.StageDir(root, run_name, name, resume=resume)


def _counts(stage_dir: pathlib.Path) -> dict[str, stats.SuccessCount]:
    success = json.loads((stage_dir / writers.RESULTS_JSON).read_text())["success"]
    return {t: stats.SuccessCount.from_dict(c) for t, c in success.items()}


def run(
    config: ml_collections.ConfigDict,
    root: str,
    run_name: str,
    resume: bool,
    launch: Callable[[program_lib.Program], dict],
) -> dict[str, pathlib.Path]:
    base = pathlib.Path(root) / run_name
    dirs = {name: base / name for name in STAGES}
    if (stage := _stage(root, run_name, "collect", resume)) is not None:
        collect.run(config.collect, stage, launch)
    if (stage := _stage(root, run_name, "sweep", resume)) is not None:
        sweep.run(config.sweep, config.sweep_file, stage, str(dirs["collect"]), launch)
    if (stage := _stage(root, run_name, "execute", resume)) is not None:
        execute.run(config.execute, stage, str(dirs["sweep"]), launch)
    if (stage := _stage(root, run_name, "finetune", resume)) is not None:
        finetune.run(config.finetune, stage, str(dirs["collect"]), str(dirs["sweep"]), str(dirs["execute"]))
    report = _stage(root, run_name, "pipeline", resume)
    if report is None:
        return {"table": base / "pipeline" / "table_1.md", "learning": base / "pipeline" / "learning.md"}
    return write_report(report, dirs, config.collect)


def write_learning(path: pathlib.Path, collect_stage: run_reader.Stage, collect_config: ml_collections.ConfigDict):
    """learning.md: COLLECT's learned-policy actor returns per task, first vs last quarter of the
    episodes, beside the uniform random policy's on the same environment config."""
    random_returns, _ = baselines.policy_returns(collect_config, "random", RANDOM_EPISODES, progress=False)
    actors = collect_stage.actors()
    table = learning.collect_learning(actors, random_returns, TASK_NAMES)
    learned = int((actors["scripted"] != 1.0).sum()) if "scripted" in actors.columns else len(actors)
    text = "COLLECT's learned-policy actor episodes, mean return per episode ± standard error\n\n" + learning.describe(
        table, learned // 4, "uniform random", RANDOM_EPISODES
    )
    run_dir.atomic_write_text(path, text)


def write_report(
    stage: run_dir.StageDir, dirs: dict[str, pathlib.Path], collect_config: ml_collections.ConfigDict
) -> dict[str, pathlib.Path]:
    """Table I (stage x triplet success with 95 % intervals), COLLECT's learning, plots and the final video."""
    main_task = collect_config.scheduler.main_task
    execute_table = tables.parse_count_table(json.loads((dirs["execute"] / writers.RESULTS_JSON).read_text())["table"])
    best = execute.best_candidate(dirs["execute"])
    from_execute = tables.stage_counts_from_execute(execute_table, best)
    stage_counts = {
        "COLLECT": _counts(dirs["collect"]),
        "HYPERPARAM": from_execute["HYPERPARAM"],
        "EXECUTE": from_execute["EXECUTE"],
        "FINE-TUNE": _counts(dirs["finetune"]),
    }
    table = writers.write_pipeline_results(stage.path, stage_counts, best_candidate=best, main_task=main_task)
    run = run_reader.load_run(stage.path.parent)
    write_learning(stage.path / "learning.md", run.stage("collect"), collect_config)
    plot_paths = []
    for name in ("collect", "sweep", "finetune"):
        if name in run.stages:
            plot_paths += plots.plot_stage(run.stage(name), stage.subdir("plots") / name)
    video = stage.subdir("videos") / "final.mp4"
    source_video = dirs["finetune"] / "videos" / "final.mp4"
    if source_video.exists():
        shutil.copyfile(source_video, video)
    stage.mark_done({"best_candidate": best})
    return {"table": table, "learning": stage.path / "learning.md", "plots": stage.path / "plots", "video": video}
