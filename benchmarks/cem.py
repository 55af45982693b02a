"""QT-Opt CEM and update throughput on synthetic state batches.

Prints one JSON object per line: the time of one jitted CEM maximisation of
Q(s', ., task) for a batch (64 samples, 6 elites, 2 iterations by default),
and jitted QT-Opt updates per second, on the default JAX device.

  .venv/bin/python benchmarks/cem.py [--batch_sizes=64,256] [--calls=20]
"""

import itertools
import json
import time

import jax
import numpy as np
from absl import app, flags

from chef import types
from chef.agents.qtopt import cem, networks
from chef.agents.qtopt.builder import QtOptBuilder
from chef.agents.qtopt.config import CemConfig, QtOptConfig

_BATCH_SIZES = flags.DEFINE_list("batch_sizes", ["64", "256"], "Batch sizes to time.")
_CALLS = flags.DEFINE_integer("calls", 20, "Timed calls per measurement.")
_ITERATIONS = flags.DEFINE_integer("cem_iterations", 2, "CEM iterations.")

NUM_TASKS, ACTION_DIM, STATE_DIM = 8, 5, 60


def _batches(batch_size: int):
    rng = np.random.default_rng(0)
    observation = {"state": rng.normal(size=(batch_size, STATE_DIM)).astype(np.float32)}
    batch = types.Transition(
        observation,
        rng.uniform(-1, 1, (batch_size, ACTION_DIM)).astype(np.float32),
        (rng.random(batch_size) < 0.5).astype(np.float32),
        np.full(batch_size, 0.9, np.float32),
        observation,
        extras={"task_id": rng.integers(0, NUM_TASKS, batch_size).astype(np.int32)},
    )
    return itertools.repeat(batch)


def _timed(fn, calls: int) -> float:
    jax.block_until_ready(fn())  # Compile.
    start = time.perf_counter()
    for _ in range(calls):
        jax.block_until_ready(fn())
    return (time.perf_counter() - start) / calls


def main(_):
    cem_config = CemConfig(num_iterations=_ITERATIONS.value)
    config = QtOptConfig(observation_keys=("state",), num_tasks=NUM_TASKS, cem=cem_config)
    bounds = -np.ones(ACTION_DIM, np.float32), np.ones(ACTION_DIM, np.float32)
    builder = QtOptBuilder(config, *bounds)
    for batch_size in map(int, _BATCH_SIZES.value):
        batches = _batches(batch_size)
        learner = builder.make_learner(
            builder.make_network(), batches, {"state": np.zeros(STATE_DIM)}, jax.random.PRNGKey(0)
        )
        batch = next(_batches(batch_size))
        params = learner.get_variables(["q_network"])[0]
        maximize = jax.jit(
            lambda p, key: cem.cem_maximize(
                lambda a: networks.q_values(learner.network, p, batch.observation, a, batch.extras["task_id"]),
                key,
                batch_size,
                *bounds,
                cem_config,
            )
        )
        cem_seconds = _timed(lambda: maximize(params, jax.random.PRNGKey(1)), _CALLS.value)
        update_seconds = _timed(lambda: learner.step()["loss"], _CALLS.value)
        print(
            json.dumps(
                {
                    "benchmark": "qtopt_cem",
                    "device": jax.devices()[0].platform,
                    "batch_size": batch_size,
                    "cem_samples": cem_config.num_samples,
                    "cem_iterations": cem_config.num_iterations,
                    "cem_ms": round(1e3 * cem_seconds, 2),
                    "updates_per_second": round(1 / update_seconds, 1),
                }
            )
        )


if __name__ == "__main__":
    app.run(main)
