"""Routing MT-Opt episodes with a trained success detector's labels instead of the predicates.

`load_detector` rebuilds the detector a `chef-mtopt-detector` run left in its stage directory
(config.json, params.msgpack) and finds that run's final frames (frames/seed_<s>.npz);
`detector_table` relabels an episode table (episodes of that run's datasets) with it and says,
per task, where the two labellings differ.
"""

import json
import os
import pathlib
from typing import NamedTuple

import flax.serialization
import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from chef.mtopt.episodes import EpisodeTable
from chef.mtopt.tasks import TaskFamily
from chef.success import augment, final_frames, training
from chef.utils import config as config_lib


class StoredDetector(NamedTuple):
    detector: training.TrainedDetector
    threshold: float
    frame_paths: tuple[pathlib.Path, ...]  # Every seed's final frames, in the run's seed order.
    training_seeds: tuple[int, ...]  # The collection seeds the detector was trained on.
    decision_period: int  # Of the run's collection.
    episode_end: str


def load_detector(stage_dir: str | os.PathLike, family: TaskFamily) -> StoredDetector:
    """The detector of a finished `chef-mtopt-detector` stage directory; a clear error otherwise."""
    stage = pathlib.Path(stage_dir)
    missing = [name for name in ("DONE", "config.json", "params.msgpack") if not (stage / name).is_file()]
    if missing:
        raise ValueError(f"{stage} is not a finished chef-mtopt-detector stage directory: it lacks {missing}")
    config = json.loads((stage / "config.json").read_text())
    try:
        seeds, held_out = tuple(config["seeds"]), set(config["holdout_seeds"])
        size, threshold = int(config["frame_size"]), float(config["threshold"])
        period, episode_end = int(config["decision_period"]), str(config["episode_end"])
        detector_config = config["detector"]
    except KeyError as e:
        raise ValueError(f"{stage}/config.json lacks {e}: it was written by an older chef-mtopt-detector") from e
    paths = tuple(final_frames.seed_path(stage, seed) for seed in seeds)
    absent = [str(p) for p in paths if not p.is_file()]
    if absent:
        raise ValueError(f"{stage} lacks the final frames {absent}")
    train_config = config_lib.from_config(training.DetectorTrainingConfig, detector_config, where="detector")
    model = training.make_model(train_config, len(family))
    template = model.init(
        jax.random.PRNGKey(0),
        augment.to_float(jnp.zeros((1, len(final_frames.FRAME_KEYS), size, size, 3), jnp.uint8)),
        jnp.zeros(1, jnp.int32),
    )
    try:
        params = flax.serialization.from_bytes(template, (stage / "params.msgpack").read_bytes())
    except (ValueError, KeyError, TypeError) as e:
        raise ValueError(f"{stage / 'params.msgpack'} does not hold this detector's parameters: {e}") from e
    detector = training.TrainedDetector(model, params, np.zeros(0, np.float32))
    training_seeds = tuple(s for s in seeds if s not in held_out)
    return StoredDetector(detector, threshold, paths, training_seeds, period, episode_end)


def detector_table(
    table: EpisodeTable, stored: StoredDetector, family: TaskFamily
) -> tuple[EpisodeTable, pd.DataFrame]:
    """`table` with the detector's labels, and per task (rows) the successes by predicate and by
    detector, and the episodes the detector calls failures that the predicate calls successes
    ('missed') and the reverse ('added').

    The detector judges each episode's final frame: it replaces the labels of the episodes and of
    their last steps. Earlier steps keep their predicate labels (`EpisodeTable.step_labels`, read
    by the other tasks' rewards where episodes end at success and by TERMINATE's examples).
    """
    frames = final_frames.load(stored.frame_paths, family)
    labels = final_frames.table_labels(
        table, frames, family, training.make_predictor(stored.detector), stored.threshold
    )  # [N, T]
    predicate = table.labels
    comparison = pd.DataFrame(
        {
            "predicate_successes": predicate.sum(0),
            "detector_successes": labels.sum(0),
            "missed": (predicate & ~labels).sum(0),
            "added": (~predicate & labels).sum(0),
            "agreement": (predicate == labels).mean(0),
        },
        index=pd.Index(list(family.names), name="task"),
    )
    return table.with_labels(labels), comparison
