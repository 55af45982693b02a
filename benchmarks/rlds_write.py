"""RLDS episode writing whose per-episode cost stays flat, and reading beside raw tf.data.

Writes --episodes small state episodes (--steps steps of a few float vectors, 6 tasks) with the
real EpisodeWriter (add_first / add / end_episode with dm_env timesteps) and prints one JSON
object per line:

    rlds_write_block   mean write cost per episode (ms, wall and this process's CPU; the CPU time
                       varies less on a shared machine) of each block of --block episodes
    rlds_write         first and last block, their ratio (flat: about 1), shards, index size,
                       the time to close and to load the layout (parse the index)
    rlds_write_fsync   ms per episode with and without the per-episode fsyncs (--fsync_episodes)
    rlds_read          episodes/s through rlds_reader.episode_dataset(steps_as_tensors=True) beside
                       a raw tf.data pipeline (TFRecordDataset over the same shards, parse_single_example
                       and the same decoding by hand), alternating rounds; ratio = ours / raw

    python benchmarks/rlds_write.py [--episodes=50000] [--block=5000] [--steps=20] [--read_rounds=3]
"""

import json
import pathlib
import tempfile
import time

import dm_env
import numpy as np
import tensorflow as tf
from absl import app, flags

from chef.data import layout, rlds_reader, rlds_writer

_EPISODES = flags.DEFINE_integer("episodes", 50_000, "Episodes to write.")
_BLOCK = flags.DEFINE_integer("block", 5_000, "Episodes per reported block.")
_STEPS = flags.DEFINE_integer("steps", 20, "Steps per episode (each episode stores steps + 1 observations).")
_READ_ROUNDS = flags.DEFINE_integer("read_rounds", 3, "Alternating full passes of each reader.")
_FSYNC_EPISODES = flags.DEFINE_integer("fsync_episodes", 2_000, "Episodes per writer for the fsync cost (0: skip).")
_DIRECTORY = flags.DEFINE_string("directory", None, "Where to write (default: a temporary directory).")

_TASKS = ("open", "reach_grasp", "lift", "place", "stack", "stack_leave")
_STATE = {
    "sawyer/tcp/pose": (7,),
    "gripper/joints/angle": (1,),
    "wrist/force": (3,),
    "rgb30_red/abs_pose": (7,),
    "rgb30_blue/abs_pose": (7,),
    "rgb30_green/abs_pose": (7,),
}
_POOL = 64  # Distinct pre-built episodes, cycled, so the timing is the writer's.


def _episode(rng: np.random.Generator) -> list[tuple[np.ndarray | None, dm_env.TimeStep]]:
    def observation():
        return {k: rng.normal(size=s).astype(np.float32) for k, s in _STATE.items()}

    steps = [(None, dm_env.restart(observation()))]
    for t in range(1, _STEPS.value + 1):
        reward = rng.uniform(size=len(_TASKS)).astype(np.float32)
        make = dm_env.truncation if t == _STEPS.value else dm_env.transition
        steps.append((rng.uniform(-1, 1, size=5).astype(np.float32), make(reward, observation())))
    return steps


def _write(writer: rlds_writer.EpisodeWriter, episode, number: int) -> None:
    writer.add_first(episode[0][1])
    for action, timestep in episode[1:]:
        writer.add(action, timestep)
    writer.end_episode(
        rlds_writer.EpisodeMetadata(
            stage="bench",
            success=tuple(bool((number >> i) & 1) for i in range(len(_TASKS))),
            task_sequence=("lift", "stack"),
            triplet=str(number % 5 + 1),
            seed=number,
        )
    )


def _bench_write(directory: pathlib.Path, pool) -> None:
    writer = rlds_writer.EpisodeWriter(directory, _TASKS)
    blocks, cpu_blocks = [], []
    for start in range(0, _EPISODES.value, _BLOCK.value):
        stop = min(start + _BLOCK.value, _EPISODES.value)
        begin, cpu_begin = time.perf_counter(), time.process_time()
        for number in range(start, stop):
            _write(writer, pool[number % len(pool)], number)
        blocks.append((time.perf_counter() - begin) / (stop - start) * 1e3)
        cpu_blocks.append((time.process_time() - cpu_begin) / (stop - start) * 1e3)
        print(
            json.dumps(
                {
                    "name": "rlds_write_block",
                    "episodes": [start, stop],
                    "ms_per_episode": round(blocks[-1], 3),
                    "cpu_ms_per_episode": round(cpu_blocks[-1], 3),
                }
            ),
            flush=True,
        )
    begin = time.perf_counter()
    writer.close()
    close_s = time.perf_counter() - begin
    begin = time.perf_counter()
    dataset = layout.load_layout(directory)
    load_s = time.perf_counter() - begin
    print(
        json.dumps(
            {
                "name": "rlds_write",
                "episodes": dataset.num_episodes,
                "steps": _STEPS.value,
                "first_block_ms": round(blocks[0], 3),
                "last_block_ms": round(blocks[-1], 3),
                "ratio_last_first": round(blocks[-1] / blocks[0], 3),
                "min_block_ms": round(min(blocks), 3),
                "max_block_ms": round(max(blocks), 3),
                "cpu_ratio_last_first": round(cpu_blocks[-1] / cpu_blocks[0], 3),
                "shards": len(dataset.shard_lengths),
                "dataset_mb": round(sum(dataset.shard_ends) / 2**20, 1),
                "index_mb": round((directory / layout.INDEX).stat().st_size / 2**20, 2),
                "close_s": round(close_s, 3),
                "load_layout_s": round(load_s, 3),
            }
        ),
        flush=True,
    )


def _bench_fsync(root: pathlib.Path, pool) -> None:
    """The same episodes with and without the per-episode fsyncs (alternating halves)."""
    rates = {True: [], False: []}
    writers = {
        durable: rlds_writer.EpisodeWriter(root / f"durable_{durable}", _TASKS, durable=durable)
        for durable in (True, False)
    }
    half = max(_FSYNC_EPISODES.value // 2, 1)
    for start in (0, half):
        for durable, writer in writers.items():
            begin = time.perf_counter()
            for number in range(start, start + half):
                _write(writer, pool[number % len(pool)], number)
            rates[durable].append((time.perf_counter() - begin) / half * 1e3)
    for writer in writers.values():
        writer.close()
    durable, plain = np.mean(rates[True]), np.mean(rates[False])
    print(
        json.dumps(
            {
                "name": "rlds_write_fsync",
                "episodes": 2 * half,
                "durable_ms_per_episode": round(durable, 3),
                "no_fsync_ms_per_episode": round(plain, 3),
                "fsync_ms": round(durable - plain, 3),
            }
        ),
        flush=True,
    )


def _raw_dataset(dataset: layout.DatasetLayout) -> tf.data.Dataset:
    """TFRecordDataset over the same shards; parse_single_example and the decoding (bool casts,
    [L, ...] steps) by hand."""
    steps = {
        f"steps/observation/{k}": tf.io.FixedLenSequenceFeature(s, tf.float32, allow_missing=True)
        for k, s in _STATE.items()
    }
    steps["steps/action"] = tf.io.FixedLenSequenceFeature([5], tf.float32, allow_missing=True)
    steps["steps/reward"] = tf.io.FixedLenSequenceFeature([len(_TASKS)], tf.float32, allow_missing=True)
    steps["steps/discount"] = tf.io.FixedLenSequenceFeature([], tf.float32, allow_missing=True)
    flags_ = ("is_first", "is_last", "is_terminal")
    steps.update({f"steps/{k}": tf.io.FixedLenSequenceFeature([], tf.int64, allow_missing=True) for k in flags_})
    spec = {
        **steps,
        "success": tf.io.FixedLenFeature([len(_TASKS)], tf.int64),
        "task_sequence": tf.io.FixedLenSequenceFeature([], tf.string, allow_missing=True),
        **{k: tf.io.FixedLenFeature([], tf.string) for k in ("stage", "checkpoint", "triplet")},
        **{k: tf.io.FixedLenFeature([], tf.int64) for k in ("seed", "policy_version")},
    }

    def parse(record):
        example = tf.io.parse_single_example(record, spec)
        observation = {k: example[f"steps/observation/{k}"] for k in _STATE}
        step = {
            "observation": observation,
            **{k: example[f"steps/{k}"] for k in ("action", "reward", "discount")},
            **{k: tf.cast(example[f"steps/{k}"], tf.bool) for k in flags_},
        }
        episode = {k: v for k, v in example.items() if not k.startswith("steps/")}
        return {**episode, "success": tf.cast(example["success"], tf.bool), "steps": step}

    paths = [str(p) for p in dataset.shard_paths]
    return tf.data.TFRecordDataset(paths).map(parse, num_parallel_calls=tf.data.AUTOTUNE)


def _count_rate(dataset: tf.data.Dataset) -> float:
    begin = time.perf_counter()
    count = int(dataset.reduce(np.int64(0), lambda n, _: n + 1))
    return count / (time.perf_counter() - begin)


def _bench_read(directory: pathlib.Path) -> None:
    dataset = layout.load_layout(directory)
    ours = rlds_reader.episode_dataset(directory, steps_as_tensors=True)
    raw = _raw_dataset(dataset)
    first_ours, first_raw = next(iter(ours)), next(iter(raw))  # Same episode, same values.
    for key in _STATE:
        np.testing.assert_array_equal(first_ours["steps"]["observation"][key], first_raw["steps"]["observation"][key])
    np.testing.assert_array_equal(first_ours["steps"]["is_last"], first_raw["steps"]["is_last"])
    ours_rates, raw_rates = [], []
    for _ in range(_READ_ROUNDS.value):
        ours_rates.append(_count_rate(ours))
        raw_rates.append(_count_rate(raw))
    ours_rate, raw_rate = float(np.median(ours_rates)), float(np.median(raw_rates))
    print(
        json.dumps(
            {
                "name": "rlds_read",
                "episodes": dataset.num_episodes,
                "episodes_per_s": round(ours_rate, 1),
                "raw_episodes_per_s": round(raw_rate, 1),
                "ratio": round(ours_rate / raw_rate, 3),
                "rounds_ours": [round(r) for r in ours_rates],
                "rounds_raw": [round(r) for r in raw_rates],
                "note": "full passes, alternating; ours: episode_dataset(steps_as_tensors=True); "
                "raw: TFRecordDataset + parse_single_example + casts",
            }
        ),
        flush=True,
    )


def main(argv):
    del argv
    rng = np.random.default_rng(0)
    pool = [_episode(rng) for _ in range(_POOL)]
    with tempfile.TemporaryDirectory() as temporary:
        root = pathlib.Path(_DIRECTORY.value or temporary)
        _bench_write(root / "episodes", pool)
        if _FSYNC_EPISODES.value:
            _bench_fsync(root, pool)
        _bench_read(root / "episodes")


if __name__ == "__main__":
    app.run(main)
