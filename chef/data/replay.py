"""Replays a recorded episode: its environment rebuilt, reset with its seed, its actions stepped.

    chef-replay-episode --dataset=runs/R/collect/datasets/actor_0 --episode=3 --output=episode_3.mp4

The dataset's `environment` metadata (chef.env_metadata) rebuilds the environment, the episode's
`seed` resets it (rgb_stacking_env: `reset(seed=...)` makes the initial state a function of the
seed) and the stored actions (canonical [-1, 1] when the metadata says so) are stepped. The tool
prints the largest absolute difference between replayed and recorded (vector) observations and
writes a video of the replay with rgb_stacking_env.render's cameras (`--size`,
`--with_basket_cameras` as for `rgb-stacking-render`).
"""

import dataclasses
import os
import pathlib
from typing import Any, Optional

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

from chef import env_metadata
from chef.data import layout
from rgb_stacking_env import object_sets, render
from rgb_stacking_env.simulation import CONTROL_DT


class ReplayError(layout.DatasetError):
    """An episode cannot be replayed (index out of range, no environment metadata or seed)."""


@dataclasses.dataclass
class Replay:
    """One replayed episode; observations are {key: [L, ...]}, L the episode's steps (with the last)."""

    index: int
    seed: int
    triplet: str
    recorded: dict[str, np.ndarray]
    replayed: dict[str, np.ndarray]
    frames: list[np.ndarray]  # [L] video frames of the replayed states (empty without `video_height`)
    ended_early: bool  # the replayed environment ended the episode before its recorded actions did

    @property
    def vector_keys(self) -> tuple[str, ...]:
        """The compared observations: every key but images (uint8 [L, H, W, C])."""
        return tuple(k for k, v in self.recorded.items() if not (v.dtype == np.uint8 and v.ndim == 4))

    @property
    def max_abs_differences(self) -> dict[str, float]:
        """{vector key: max |replayed - recorded|} over the steps both have."""
        differences = {}
        for key in self.vector_keys:
            length = min(len(self.recorded[key]), len(self.replayed[key]))
            recorded = self.recorded[key][:length].astype(np.float64)
            differences[key] = float(
                np.max(np.abs(self.replayed[key][:length].astype(np.float64) - recorded), initial=0.0)
            )
        return differences

    @property
    def max_abs_difference(self) -> float:
        return max(self.max_abs_differences.values(), default=0.0)


def _read_episode(
    dataset_layout: layout.DatasetLayout, features: tfds.features.FeatureConnector, index: int
) -> dict[str, Any]:
    """Episode `index` as numpy: steps {name: [L, ...]} plus the episode-level fields (text as str)."""
    starts = np.cumsum((0,) + dataset_layout.shard_lengths)  # [S + 1] first episode of each shard
    shard = int(np.searchsorted(starts, index, side="right")) - 1
    record = tf.data.TFRecordDataset(str(dataset_layout.shard_paths[shard])).skip(index - starts[shard]).take(1)
    episode = features.deserialize_example(record.get_single_element())
    steps = episode.pop("steps").batch(1 << 30).get_single_element()  # the nested RLDS steps, as [L, ...]
    fields = {k: v.decode() if isinstance(v, bytes) else v for k, v in tfds.as_numpy(episode).items()}
    return {**fields, "steps": tf.nest.map_structure(lambda t: t.numpy(), steps)}


def _episode_chain(dataset_layout: layout.DatasetLayout, index: int, chained: bool) -> list[dict[str, Any]]:
    """Episode `index`, after the earlier episodes it continues from (same seed) when `chained`."""
    features = tfds.features.FeatureConnector.from_config(str(dataset_layout.directory))
    chain = [_read_episode(dataset_layout, features, index)]
    while chained and index > 0:
        previous = _read_episode(dataset_layout, features, index - 1)
        if previous["seed"] != chain[0]["seed"]:
            break
        chain.insert(0, previous)
        index -= 1
    return chain


def replay_episode(
    directory: str | os.PathLike, index: int, video_height: Optional[int] = None, with_basket_cameras: bool = True
) -> Replay:
    """Replays episode `index` of the dataset at `directory`; renders frames when `video_height`.

    Raises `layout.DatasetError` (a `ReplayError` for a bad index or metadata) with a one-line message.
    """
    directory = pathlib.Path(directory)
    if not directory.is_dir():
        raise layout.DatasetError(f"no dataset directory {directory}")
    dataset_layout = layout.load_layout(directory)
    if not 0 <= index < dataset_layout.num_episodes:
        raise ReplayError(
            f"episode {index} is out of range: {directory} has {dataset_layout.num_episodes} "
            f"episodes (0..{dataset_layout.num_episodes - 1})"
        )
    environment = dataset_layout.environment
    if not environment:
        raise ReplayError(
            f"{directory} has no environment metadata (written before datasets recorded their "
            "environment): its episodes cannot be replayed"
        )
    chain = _episode_chain(dataset_layout, index, bool(environment.get("chained_segments", False)))
    episode = chain[-1]
    seed, triplet = int(episode["seed"]), str(episode["triplet"])
    if seed < 0:
        raise ReplayError(f"episode {index} of {directory} records no seed (seed {seed})")
    object_set = environment.get("object_set") or triplet
    if object_set not in object_sets.OBJECT_SETS:
        raise ReplayError(
            f"episode {index} of {directory}: no object set to rebuild (environment object_set "
            f"{environment.get('object_set')!r}, triplet {triplet!r})"
        )
    env = env_metadata.rebuild(environment, object_set=object_set)
    camera = None
    try:
        timestep = env.reset(seed=seed)
        for earlier in chain[:-1]:  # the segments before this one, from the same reset
            for action in earlier["steps"]["action"][:-1]:
                timestep = env.step(action)
        if video_height is not None:
            camera = render.EpisodeCamera(env.simulation, video_height, with_basket_cameras)
        recorded = episode["steps"]["observation"]
        missing = sorted(set(recorded) - set(timestep.observation))
        if missing:
            raise ReplayError(
                f"episode {index} of {directory} has observations {missing} that the rebuilt environment does not make"
            )
        replayed = [timestep.observation]
        frames = [camera.render()] if camera is not None else []
        ended_early = False
        for action in episode["steps"]["action"][:-1]:  # the last step's action is a placeholder
            if timestep.last():
                ended_early = True
                break
            timestep = env.step(action)
            replayed.append(timestep.observation)
            if camera is not None:
                frames.append(camera.render())
        replayed_triplet = object_sets.triplet_label(env.simulation.scene.triplet)
        if triplet and replayed_triplet != triplet:
            raise ReplayError(
                f"episode {index} of {directory} was recorded with triplet {triplet!r}, seed {seed} "
                f"gives {replayed_triplet!r}: the environment's reset changed since"
            )
    finally:
        if camera is not None:
            camera.close()
        env.close()
    stacked = {k: np.stack([o[k] for o in replayed]) for k in recorded}
    return Replay(
        index=index,
        seed=seed,
        triplet=triplet,
        recorded=dict(recorded),
        replayed=stacked,
        frames=frames,
        ended_early=ended_early,
    )


def video_fps(environment: dict[str, Any]) -> int:
    """Real-time frames per second for one frame per stored step."""
    return max(1, round(1.0 / (CONTROL_DT * int(environment.get("decision_period", 1)))))


def replay_to_video(
    directory: str | os.PathLike,
    index: int,
    output: str | os.PathLike,
    height: int = 480,
    with_basket_cameras: bool = True,
) -> Replay:
    """Replays episode `index` and writes its video to `output` (.mp4 or .gif)."""
    replay = replay_episode(directory, index, video_height=height, with_basket_cameras=with_basket_cameras)
    render.write_video(str(output), replay.frames, fps=video_fps(layout.load_layout(directory).environment))
    return replay


def summary(replay: Replay) -> str:
    """One line: the episode, its seed and triplet, and the largest observation difference (and where)."""
    differences = replay.max_abs_differences
    line = (
        f"episode {replay.index}: seed {replay.seed}, triplet {replay.triplet}, "
        f"{len(next(iter(replay.recorded.values())))} steps; max abs observation difference "
        f"{replay.max_abs_difference:.3g}"
    )
    if replay.max_abs_difference > 0:
        line += f" ({max(differences, key=differences.get)})"
    return line + ("; the replay ended early" if replay.ended_early else "")
