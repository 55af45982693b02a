"""MT-Opt success detector: collect per seed, render final frames, train, MT-Opt Table III errors.

  chef-mtopt-detector --config=mtopt:detector --run_name=detector
  chef-mtopt-detector --config=mtopt:detector_tiny --run_name=smoke

Each seed's chains run without cameras (the ablation's collection) into dataset/seed_<s>/ (RLDS,
state observations), and the basket cameras render every segment's final frame once, into
frames/seed_<s>.npz (`chef.success.final_frames`). `--workers` seeds are collected in parallel. A
seed whose frames file exists is complete: `--resume` keeps it and collects only the others.
`--config.frames_from=<earlier detector stage>` trains on that run's frames instead (linked into
this stage's frames/; its datasets stay where they are), to retrain with other detector settings
without collecting again. The detector trains on the final frames of the seeds not in
`holdout_seeds` and is scored on the held-out ones. Writes params.msgpack, errors.json and
table.md; route an ablation with its labels through
`chef-mtopt-ablation --config.detector_dir=<this stage's directory>`.
"""

import concurrent.futures
import errno
import json
import multiprocessing
import os
import pathlib
import shutil

import flax.serialization
import ml_collections
import tqdm
from absl import flags, logging

import rgb_stacking_env
from chef.launch import cli
from chef.launch import flags as launch_flags
from chef.mtopt import collection, rgb_tasks
from chef.results.markdown import to_markdown
from chef.success import final_frames, metrics, training
from chef.utils import config as config_lib
from chef.utils import run_dir

_CONFIG = launch_flags.define_config("mtopt:detector", "Detector config.")
_WORKERS = flags.DEFINE_integer(
    "workers", 2, "Seeds collected in parallel, one process each (no effect on the results).", lower_bound=1
)


def collection_config(config: ml_collections.ConfigDict) -> collection.CollectionConfig:
    shared = {"decision_period": config.decision_period, "episode_end": config.episode_end}
    return config_lib.from_config(
        collection.CollectionConfig, {**config_lib.to_dict(config.collection), **shared}, where="collection"
    )


def training_config(config: ml_collections.ConfigDict) -> training.DetectorTrainingConfig:
    return config_lib.from_config(training.DetectorTrainingConfig, config.detector, where="detector")


def validate():
    config = _CONFIG.value
    collection_config(config)
    training_config(config)
    config_lib.from_config(rgb_stacking_env.environment.EnvConfig, config.env, where="env")
    config_lib.require(config.frame_size >= 8, f"frame_size must be >= 8 pixels, got {config.frame_size}")
    config_lib.require(0.0 < config.threshold < 1.0, f"threshold must lie in (0, 1), got {config.threshold}")
    seeds, held_out = tuple(config.seeds), set(config.holdout_seeds)
    config_lib.require(
        len(set(seeds)) == len(seeds) and all(s >= 0 for s in seeds), f"seeds must be distinct and >= 0, got {seeds}"
    )
    config_lib.require(
        held_out and held_out < set(seeds),
        f"holdout_seeds {tuple(config.holdout_seeds)} must be a non-empty proper subset of seeds {seeds}",
    )
    stage = pathlib.Path(launch_flags.input_stage("mtopt_detector"))
    if config.frames_from and not all(final_frames.seed_path(stage, s).is_file() for s in seeds):
        check_frames_source(config)  # A resumed stage with every frames file linked no longer needs its source.
    launch_flags.check_stage_dir("mtopt_detector")


# The fields that decide what a run's frames are; a run may train on another's frames only where they match.
FRAME_FIELDS = ("env", "frame_size", "seeds", "decision_period", "episode_end", "collection")


def check_frames_source(config: ml_collections.ConfigDict) -> None:
    """Refuses a `frames_from` directory whose frames are incomplete or were made with other settings."""
    source = pathlib.Path(config.frames_from)
    config_path = source / "config.json"
    config_lib.require(
        config_path.is_file(), f"frames_from {source} is not a chef-mtopt-detector stage directory (no config.json)"
    )
    written = json.loads(config_path.read_text())
    ours = json.loads(config.to_json())
    differ = run_dir.config_differences({k: written.get(k) for k in FRAME_FIELDS}, {k: ours[k] for k in FRAME_FIELDS})
    config_lib.require(not differ, f"frames_from {source} was collected with other settings: {'; '.join(differ)}")
    absent = [str(p) for p in (final_frames.seed_path(source, s) for s in config.seeds) if not p.is_file()]
    config_lib.require(not absent, f"frames_from {source} lacks the final frames {absent}")


def link_frames(source: pathlib.Path, stage: pathlib.Path, seeds) -> None:
    """Hard-links (or copies, across file systems) each seed's frames file of `source` into `stage`."""
    for seed in seeds:
        target = final_frames.seed_path(stage, seed)
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(final_frames.seed_path(source, seed), target)
        except OSError as e:
            if e.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK):
                raise
            partial = target.with_suffix(".partial")
            shutil.copyfile(final_frames.seed_path(source, seed), partial)
            os.replace(partial, target)


def collect_seed(config_json: str, seed: int, stage: str) -> int:
    """Collects one seed's chains and their final frames (in a worker process); returns the segments."""
    config = ml_collections.ConfigDict(json.loads(config_json))
    stage_path = pathlib.Path(stage)
    directory = stage_path / "dataset" / f"seed_{seed}"
    if directory.exists():  # An earlier run stopped inside this seed; its frames were never written.
        logging.warning("Collecting seed %d again: %s holds an unfinished collection", seed, directory)
        shutil.rmtree(directory)
    collect_config = collection_config(config)
    family = rgb_tasks.rgb_task_family()
    env = rgb_stacking_env.make(
        **config.env, seed=seed, episode_length=collect_config.pick_steps + collect_config.place_steps
    )
    recorder = final_frames.FinalFrameRecorder(family, config.frame_size)
    try:
        collection.collect_dataset(directory, env, family, collect_config, seed, segment_end=recorder)
        recorder.save(final_frames.seed_path(stage_path, seed))
    finally:
        recorder.close()
        env.close()
    return len(recorder)


def collect_seeds(config: ml_collections.ConfigDict, stage: pathlib.Path, workers: int) -> None:
    """Collects every seed without a frames file, `workers` at a time; stops at the first failure."""
    todo = [s for s in config.seeds if not final_frames.seed_path(stage, s).exists()]
    if len(todo) < len(config.seeds):
        logging.info("seeds %s are already collected", sorted(set(config.seeds) - set(todo)))
    config_json = config.to_json()
    if workers == 1:
        for seed in tqdm.tqdm(todo, desc="detector seeds"):
            collect_seed(config_json, seed, str(stage))
        return
    context = multiprocessing.get_context("spawn")  # MuJoCo and TensorFlow state must not be forked.
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
        futures = {pool.submit(collect_seed, config_json, s, str(stage)): s for s in todo}
        for future in tqdm.tqdm(concurrent.futures.as_completed(futures), total=len(todo), desc="detector seeds"):
            try:
                logging.info("seed %d: %d segments", futures[future], future.result())
            except Exception as e:
                pool.shutdown(wait=False, cancel_futures=True)
                unfinished = sorted(s for f, s in futures.items() if not (f.done() and f.exception() is None))
                raise RuntimeError(
                    f"collecting seed {futures[future]} failed ({type(e).__name__}: {e}); seeds {unfinished} are "
                    f"unfinished, --resume collects them"
                ) from e


def main():
    config = _CONFIG.value
    stage = launch_flags.stage_dir("mtopt_detector")
    stage.write_config(config)
    family = rgb_tasks.rgb_task_family()
    if config.frames_from:
        logging.info("training on the frames of %s (nothing is collected)", config.frames_from)
        link_frames(pathlib.Path(config.frames_from), stage.path, config.seeds)
    else:
        collect_seeds(config, stage.path, _WORKERS.value)
    frames = final_frames.load([final_frames.seed_path(stage.path, s) for s in config.seeds], family)
    train, held_out = training.split_by_group(frames.detector_dataset(), config.holdout_seeds)
    logging.info("detector: %d train / %d held-out episodes", len(train.images), len(held_out.images))
    detector = training.train_success_detector(train, family.names, training_config(config), seed=config.seeds[0])
    run_dir.atomic_write_bytes(stage.path / "params.msgpack", flax.serialization.to_bytes(detector.params))
    probabilities = training.predict_probabilities(detector, held_out.images)
    errors = metrics.detector_error_rates(
        probabilities, held_out.labels, held_out.primary_task, family.names, config.threshold
    )
    run_dir.atomic_write_text(stage.path / "errors.json", errors.to_json(orient="index", indent=2))
    accuracy = metrics.accuracy(probabilities, held_out.labels, config.threshold)
    counts = metrics.own_task_errors(errors)
    text = (
        f"# Success-detector errors on held-out seeds {list(config.holdout_seeds)} "
        f"({len(train.images)} train / {len(held_out.images)} held-out episodes, "
        f"{config.frame_size}x{config.frame_size} frames, accuracy {accuracy:.3f})\n\n{to_markdown(errors)}\n\n"
        f"## Own-task errors, counted\n\n{to_markdown(counts)}\n"
    )
    run_dir.atomic_write_text(stage.path / "table.md", text)
    stage.mark_done({"held_out_accuracy": accuracy})
    print(text)


def run() -> None:
    """Console script entry point."""
    cli.run(main, validate)


if __name__ == "__main__":
    run()
