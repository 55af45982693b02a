"""Reverb sampling cost of COLLECT's n-step transitions, by the adder's chunk length.

Fills a replay table through `chef.replay.adders.NStepTransitionAdder` with episodes of the
state config's observation spec (random values), then times `make_replay_iterator` batches.
Items reference steps up to n apart, and a sampled item ships every chunk it touches, so the
writer's chunk length sets how many steps travel (and are parsed) per sampled transition.
Prints one JSON object per chunk length: batches per wall-second and CPU-ms per batch (all
threads of this process, which hosts the server too).

  .venv/bin/python benchmarks/replay_sampling.py [--chunk_lengths=0,1] [--batches=40]
"""

import json
import time

import dm_env
import numpy as np
import reverb
from absl import app, flags

import rgb_stacking_env
from chef.configs import collect
from chef.replay import adders, dataset, tables
from chef.replay import server as server_lib
from chef.stages import components

_CHUNK_LENGTHS = flags.DEFINE_list("chunk_lengths", ["0", "1"], "Adder chunk lengths to compare (0 = auto-tuned).")
_BATCHES = flags.DEFINE_integer("batches", 40, "Timed batches per case.")
_BATCH_SIZE = flags.DEFINE_integer("batch_size", 256, "Transitions per batch.")
_EPISODES = flags.DEFINE_integer("episodes", 10, "Episodes of 400 steps written before sampling.")


def _fill(address: str, spec: dict, chunk_length: int, num_episodes: int, num_tasks: int) -> None:
    rng = np.random.default_rng(0)
    adder = adders.NStepTransitionAdder(
        reverb.Client(address), "replay", n_step=5, discount=0.99, chunk_length=chunk_length or None
    )

    def observation():
        return {k: rng.normal(size=s.shape).astype(s.dtype) for k, s in spec.items()}

    for _ in range(num_episodes):
        adder.add_first(dm_env.restart(observation()))
        for t in range(400):
            reward = rng.uniform(size=num_tasks).astype(np.float32)
            step = dm_env.truncation if t == 399 else dm_env.transition
            adder.add(rng.uniform(-1, 1, 5).astype(np.float32), step(reward, observation()))
    adder.close()


def measure(chunk_length: int) -> dict:
    config = collect.get_config("state")
    spec = components.StageSpec.from_config(config).observation_spec
    num_tasks = len(rgb_stacking_env.TASK_NAMES)
    signature = tables.transition_signature(spec, rgb_stacking_env.environment.ACTION_MAX, num_tasks)
    replay = tables.ReplayConfig(min_size=1, samples_per_insert=None)
    server = server_lib.start_server(replay, signature=signature)
    _fill(server.address, spec, chunk_length, _EPISODES.value, num_tasks)
    iterator = dataset.make_replay_iterator(server.address, "replay", _BATCH_SIZE.value)
    for _ in range(3):
        next(iterator)  # Warm-up.
    start, cpu_start = time.perf_counter(), time.process_time()
    for _ in range(_BATCHES.value):
        next(iterator)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    server.stop()
    return {
        "name": "replay_sampling",
        "chunk_length": chunk_length or "auto",
        "batch_size": _BATCH_SIZE.value,
        "observation_keys": len(spec),
        "batches_per_s": round(_BATCHES.value / seconds, 2),
        "cpu_ms_per_batch": round(1000 * cpu_seconds / _BATCHES.value, 1),
        "timed_batches": _BATCHES.value,
    }


def main(argv):
    del argv
    for chunk_length in map(int, _CHUNK_LENGTHS.value):
        print(json.dumps(measure(chunk_length)), flush=True)


if __name__ == "__main__":
    app.run(main)
