"""Data-plane throughput: our adder / iterators / RLDS reader beside raw Reverb and raw tf.data.

Prints one JSON object per line: name, items_per_s (ours), raw_items_per_s, ratio (ours/raw),
for 'state' and 'image' (three 64x64x3 cameras) observations, then the fraction of time a
learner (jitted update, batch 256) waits on our iterators (state config), at --updates_per_s
and unpaced.

    python benchmarks/data_throughput.py [--seconds=5] [--episodes=20] [--updates_per_s=40]
"""

import json
import pathlib
import tempfile
import time
from typing import Callable, Iterator

import dm_env
import jax
import jax.numpy as jnp
import numpy as np
import reverb
import tensorflow_datasets as tfds
import tree
from absl import app, flags

from chef.data import prefetch, rlds_reader, rlds_writer
from chef.replay import adders, dataset, server, tables

_SECONDS = flags.DEFINE_float("seconds", 5.0, "Measuring time per rate.")
_EPISODES = flags.DEFINE_integer("episodes", 20, "Episodes per configuration.")
_LENGTH = flags.DEFINE_integer("episode_length", 100, "Steps per episode.")
_UPDATES_PER_S = flags.DEFINE_float(
    "updates_per_s",
    40.0,
    "Learner update rate to hold in the waiting test (the MPO state config measured 25-40/s on 2 busy CPU cores); "
    "0: unpaced.",
)
_BATCH = 256
_N_STEP = 5
_TASKS = ("open", "reach_grasp", "lift", "place", "stack", "stack_leave")
_STATE = {
    "sawyer/tcp/pose": (3, 7),
    "gripper/joints/angle": (3,),
    "wrist/force": (3, 3),
    "rgb30_red/abs_pose": (3, 7),
    "rgb30_blue/abs_pose": (3, 7),
    "rgb30_green/abs_pose": (3, 7),
}
_CAMERAS = ("basket_front_left/pixels", "basket_front_right/pixels", "basket_back_left/pixels")


def _observation(rng: np.random.Generator, images: bool) -> dict[str, np.ndarray]:
    observation = {k: rng.normal(size=s).astype(np.float32) for k, s in _STATE.items()}
    if images:  # Smooth images (camera-like), not noise, so PNG sizes are realistic.
        ramp = np.linspace(0, 200, 64, dtype=np.float32)
        for camera in _CAMERAS:
            base = ramp[:, None, None] + ramp[None, :, None] * rng.uniform(0, 0.2) + rng.uniform(0, 50, size=3)
            observation[camera] = base.astype(np.uint8)
    return observation


def _episode(rng: np.random.Generator, images: bool) -> list[tuple[np.ndarray, dm_env.TimeStep]]:
    """[(action, timestep)]; the first entry's action is None (the FIRST timestep)."""
    steps = [(None, dm_env.restart(_observation(rng, images)))]
    for t in range(1, _LENGTH.value + 1):
        reward = rng.uniform(size=len(_TASKS)).astype(np.float32)
        make = dm_env.truncation if t == _LENGTH.value else dm_env.transition
        steps.append((rng.uniform(-1, 1, size=5).astype(np.float32), make(reward, _observation(rng, images))))
    return steps


def _rate(step: Callable[[], int], seconds: float) -> float:
    """Items per second of repeated `step()` calls (each returns how many items it handled)."""
    items, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        items += step()
    return items / (time.perf_counter() - start)


def _compare(name: str, ours: Callable[[], int], raw: Callable[[], int], **extra) -> None:
    """Prints ours beside raw, alternating short rounds so load changes hit both alike."""
    ours(), raw()  # Warm-up (graph building, connections).
    ours_rates, raw_rates = [], []
    for _ in range(4):
        ours_rates.append(_rate(ours, _SECONDS.value / 4))
        raw_rates.append(_rate(raw, _SECONDS.value / 4))
    ours_rate, raw_rate = float(np.median(ours_rates)), float(np.median(raw_rates))
    print(
        json.dumps(
            {
                "name": name,
                "items_per_s": round(ours_rate, 1),
                "raw_items_per_s": round(raw_rate, 1),
                "ratio": round(ours_rate / raw_rate, 3),
                **extra,
            }
        ),
        flush=True,
    )


class _RawAdder:
    """The plainest 1-step transition writer with the raw client (rewards given, no n-step)."""

    def __init__(self, client: reverb.Client, table: str):
        self._writer = client.trajectory_writer(num_keep_alive_refs=2)
        self._table = table

    def write_episode(self, episode) -> int:
        (_, previous), rest = episode[0], episode[1:]
        for action, timestep in rest:  # Step t: o_t, a_t, r_{t+1}, d_{t+1}.
            self._writer.append(
                {
                    "observation": previous.observation,
                    "action": action,
                    "reward": timestep.reward,
                    "discount": np.float32(timestep.discount),
                }
            )
            if self._writer.episode_steps >= 2:
                self._create_item()
            previous = timestep
        self._writer.append({"observation": previous.observation})
        self._create_item()
        self._writer.end_episode()
        return len(rest)

    def _create_item(self) -> None:
        history = self._writer.history
        item = {k: tree.map_structure(lambda column: column[-2], history[k]) for k in ("action", "reward", "discount")}
        item["observation"] = tree.map_structure(lambda column: column[-2], history["observation"])
        item["next_observation"] = tree.map_structure(lambda column: column[-1], history["observation"])
        self._writer.create_item(self._table, 1.0, item)


def _bench_reverb(kind: str, episodes) -> tuple[server.ReplayServer, server.ReplayServer]:
    config = tables.ReplayConfig(max_size=1_000_000, min_size=1, samples_per_insert=None)
    first = episodes[0][1][1].observation
    signature = tables.transition_signature(first, np.zeros(5, np.float32), len(_TASKS))
    ours_server = server.start_server(config, signature=signature)
    raw_signature = signature._asdict()
    del raw_signature["extras"]
    raw_server = server.start_server(config, signature=raw_signature)
    adder = adders.NStepTransitionAdder(ours_server.client(), "replay", n_step=_N_STEP, discount=0.99)
    raw = _RawAdder(raw_server.client(), "replay")
    cycle = iter(range(10**9))

    def ours_insert() -> int:
        episode = episodes[next(cycle) % len(episodes)]
        adder.add_first(episode[0][1])
        for action, timestep in episode[1:]:
            adder.add(action, timestep)
        return len(episode) - 1

    _compare(
        f"reverb_insert_{kind}",
        ours_insert,
        lambda: raw.write_episode(episodes[next(cycle) % len(episodes)]),
        note="ours: 5-step multi-task adder; raw: 1-step items from one TrajectoryWriter",
    )

    ours_iterator = dataset.make_replay_iterator(ours_server.address, "replay", _BATCH)
    raw_iterator = (
        reverb.TrajectoryDataset.from_table_signature(
            raw_server.address, "replay", max_in_flight_samples_per_worker=2 * _BATCH
        )
        .batch(_BATCH, drop_remainder=True)
        .prefetch(4)
        .as_numpy_iterator()
    )
    _compare(
        f"reverb_sample_{kind}",
        lambda: (next(ours_iterator), _BATCH)[1],
        lambda: (next(raw_iterator), _BATCH)[1],
        note="batches of 256: make_replay_iterator vs TrajectoryDataset.batch",
    )
    return ours_server, raw_server


def _bench_rlds(kind: str, episodes, directory: pathlib.Path) -> Iterator:
    writer = rlds_writer.EpisodeWriter(directory, _TASKS)
    start = time.perf_counter()
    for episode in episodes:
        writer.add_first(episode[0][1])
        for action, timestep in episode[1:]:
            writer.add(action, timestep)
        writer.end_episode(rlds_writer.EpisodeMetadata(stage="bench", success=(False,) * len(_TASKS)))
    write_rate = len(episodes) * _LENGTH.value / (time.perf_counter() - start)
    writer.close()

    options = rlds_reader.TransitionOptions(n_step=_N_STEP, discount=0.99)
    ours = rlds_reader.make_transition_iterator(directory, _BATCH, options, shuffle_buffer=10_000)
    raw = (
        tfds.builder_from_directory(str(directory))
        .as_dataset(split="train", shuffle_files=True)
        .repeat()
        .flat_map(lambda episode: episode["steps"])
        .shuffle(10_000)
        .batch(_BATCH, drop_remainder=True)
        .prefetch(4)
        .as_numpy_iterator()
    )
    _compare(
        f"rlds_read_{kind}",
        lambda: (next(ours), _BATCH)[1],
        lambda: (next(raw), _BATCH)[1],
        episode_write_steps_per_s=round(write_rate, 1),
        note="ours: 5-step transitions (shuffle 10k, batch 256); raw: tfds steps (shuffle 10k, batch 256)",
    )
    return ours


def _learner_wait(name: str, iterator: Iterator, updates_per_s: float) -> None:
    """Fraction of a learner's time spent waiting for batches (our iterator behind a
    ThreadPrefetcher doing jax.device_put): a jitted MLP update on batch 256, padded with sleep
    to `updates_per_s` (the cost of the real update), or unpaced when 0."""

    def features(batch) -> jnp.ndarray:
        return jnp.concatenate([jnp.reshape(batch.observation[k], (_BATCH, -1)) for k in sorted(_STATE)], axis=1)

    def loss(params, batch):
        hidden = jax.nn.relu(features(batch) @ params["w1"])
        hidden = jax.nn.relu(hidden @ params["w2"])
        return jnp.mean((hidden @ params["w3"] - batch.reward) ** 2)

    @jax.jit
    def update(params, batch):
        grads = jax.grad(loss)(params, batch)
        return jax.tree_util.tree_map(lambda p, g: p - 1e-3 * g, params, grads)

    rng = np.random.default_rng(0)
    dim = sum(int(np.prod(s)) for s in _STATE.values())
    params = {
        "w1": rng.normal(size=(dim, 512)) * 0.05,
        "w2": rng.normal(size=(512, 512)) * 0.05,
        "w3": rng.normal(size=(512, len(_TASKS))) * 0.05,
    }
    params = jax.tree_util.tree_map(jnp.asarray, params)
    iterator = prefetch.ThreadPrefetcher(iterator, buffer_size=2, transform=jax.device_put)
    params = jax.block_until_ready(update(params, next(iterator)))
    period = 1.0 / updates_per_s if updates_per_s else 0.0
    waited, steps, start = 0.0, 0, time.perf_counter()
    while time.perf_counter() - start < _SECONDS.value:
        before = time.perf_counter()
        batch = next(iterator)
        waited += time.perf_counter() - before
        params = jax.block_until_ready(update(params, batch))
        time.sleep(max(0.0, period - (time.perf_counter() - before)))
        steps += 1
    total = time.perf_counter() - start
    print(
        json.dumps(
            {
                "name": name,
                "target_updates_per_s": updates_per_s,
                "items_per_s": round(steps * _BATCH / total, 1),
                "updates_per_s": round(steps / total, 1),
                "wait_fraction": round(waited / total, 4),
            }
        ),
        flush=True,
    )


def main(argv):
    del argv
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as root:
        for kind in ("state", "image"):
            episodes = [_episode(rng, images=kind == "image") for _ in range(_EPISODES.value)]
            servers = _bench_reverb(kind, episodes)
            rlds_iterator = _bench_rlds(kind, episodes, pathlib.Path(root) / kind)
            if kind == "state":
                replay_iterator = dataset.make_replay_iterator(servers[0].address, "replay", _BATCH)
                for rate in sorted({_UPDATES_PER_S.value, 0.0}, reverse=True):
                    _learner_wait("learner_wait_state_rlds", rlds_iterator, rate)
                    _learner_wait("learner_wait_state_reverb", replay_iterator, rate)
            for running in servers:
                running.stop()


if __name__ == "__main__":
    app.run(main)
