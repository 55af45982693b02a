"""MT-Opt success detector: collect vision episodes per seed, train, MT-Opt Table III errors.

  chef-mtopt-detector --config=mtopt:detector --run_name=detector
  chef-mtopt-detector --config=mtopt:detector_tiny --run_name=smoke

Each seed's bootstrap episodes go to dataset/seed_<s>/ (RLDS, vision observations); the
detector trains on the final frames of the seeds not in `holdout_seeds` and is scored on the
held-out ones. Writes params.msgpack, errors.json and table.md.
"""

import flax.serialization
from absl import logging

import rgb_stacking_env
from chef.launch import cli
from chef.launch import flags as launch_flags
from chef.mtopt import collection, rgb_tasks
from chef.results.markdown import to_markdown
from chef.success import dataset as dataset_lib
from chef.success import metrics, training
from chef.utils import config as config_lib
from chef.utils import run_dir
from rgb_stacking_env.scene import CAMERA_NAMES

_CONFIG = launch_flags.define_config("mtopt:detector", "Detector config.")
CAMERA_KEYS = tuple(f"{name}/pixels" for name in CAMERA_NAMES)


def _configs(config) -> tuple[collection.CollectionConfig, training.DetectorTrainingConfig]:
    return (
        config_lib.from_config(collection.CollectionConfig, config.collection, where="collection"),
        config_lib.from_config(training.DetectorTrainingConfig, config.detector, where="detector"),
    )


def validate():
    config = _CONFIG.value
    _configs(config)
    config_lib.from_config(rgb_stacking_env.environment.EnvConfig, config.env, where="env")
    held_out = set(config.holdout_seeds)
    config_lib.require(
        held_out < set(config.seeds),
        f"holdout_seeds {tuple(config.holdout_seeds)} must be a proper subset of seeds {tuple(config.seeds)}",
    )
    launch_flags.check_stage_dir("mtopt_detector")


def main():
    config = _CONFIG.value
    stage = launch_flags.stage_dir("mtopt_detector")
    stage.write_config(config)
    family = rgb_tasks.rgb_task_family()
    collect_config, train_config = _configs(config)
    directories = []
    for seed in config.seeds:
        directory = stage.path / "dataset" / f"seed_{seed}"
        env = rgb_stacking_env.make(
            **config.env, seed=seed, episode_length=collect_config.pick_steps + collect_config.place_steps
        )
        try:
            collection.collect_dataset(directory, env, family, collect_config, seed)
        finally:
            env.close()
        directories.append(directory)
    examples = dataset_lib.final_frame_dataset(directories, family, CAMERA_KEYS)
    train, held_out = training.split_by_group(examples, config.holdout_seeds)
    logging.info("detector: %d train / %d held-out episodes", len(train.images), len(held_out.images))
    detector = training.train_success_detector(train, family.names, train_config, seed=config.seeds[0])
    (stage.path / "params.msgpack").write_bytes(flax.serialization.to_bytes(detector.params))
    probabilities = training.predict_probabilities(detector, held_out.images)
    errors = metrics.detector_error_rates(
        probabilities, held_out.labels, held_out.primary_task, family.names, config.threshold
    )
    run_dir.atomic_write_text(stage.path / "errors.json", errors.to_json(orient="index", indent=2))
    text = (
        f"# Success-detector errors on held-out seeds {list(config.holdout_seeds)} "
        f"({len(train.images)} train / {len(held_out.images)} held-out episodes, "
        f"accuracy {metrics.accuracy(probabilities, held_out.labels):.3f})\n\n{to_markdown(errors)}\n"
    )
    run_dir.atomic_write_text(stage.path / "table.md", text)
    stage.mark_done({"held_out_accuracy": metrics.accuracy(probabilities, held_out.labels)})
    print(text)


def run() -> None:
    """Console script entry point."""
    cli.run(main, validate)


if __name__ == "__main__":
    run()
