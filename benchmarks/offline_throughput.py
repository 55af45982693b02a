"""Offline candidate training (SWEEP / FINE-TUNE) with its data path, for each input
(`config.learner.offline_input`: 'memory' reads the datasets once into numpy, 'stream' decodes
them with tf.data on every pass).

On the given COLLECT datasets, times (one JSON object per line, per input):
- `input`: seconds to build the iterator (for 'memory': reading every transition), then numpy
  batches per second of `offline.make_iterator` alone, and the process's peak resident memory;
- `train`: updates per wall-second and per CPU-second of `offline.make_learner` fed by that
  iterator, for each `--updates_per_step` (1 = one jitted update per call, 10 = lax.scan).
The last line is the ratio memory / stream of the training rates. The config is
`sweep:<variant>` (agent 'mpo', batch 256).

  .venv/bin/python benchmarks/offline_throughput.py --datasets=runs/<run>/collect/datasets/actor_0,...
"""

import json
import resource
import time

import numpy as np
from absl import flags

from chef.configs import sweep
from chef.launch import cli
from chef.stages import components, offline
from chef.utils import config as config_lib

_DATASETS = flags.DEFINE_list("datasets", [], "COLLECT dataset directories (e.g. every actor's).")
_VARIANT = flags.DEFINE_string("variant", "state", "chef/configs/sweep.py variant.")
_UPDATES = flags.DEFINE_integer("updates", 300, "Timed updates per case.")
_UPDATES_PER_STEP = flags.DEFINE_list("updates_per_step", ["10"], "Updates per learner step to compare.")
_INPUTS = flags.DEFINE_list("inputs", list(offline.OFFLINE_INPUTS), "Offline inputs to compare.")


def _rates(fn, count: int) -> tuple[float, float]:
    start, cpu_start = time.perf_counter(), time.process_time()
    fn(count)
    return count / (time.perf_counter() - start), count / (time.process_time() - cpu_start)


def validate() -> None:
    if not _DATASETS.value:
        raise config_lib.ConfigError("--datasets must name at least one COLLECT dataset directory")
    unknown = sorted(set(_INPUTS.value) - set(offline.OFFLINE_INPUTS))
    if unknown:
        raise config_lib.ConfigError(f"--inputs {unknown} are not among {offline.OFFLINE_INPUTS}")
    offline.make_iterator(components.StageSpec.from_config(_config("stream")), [_DATASETS.value], [1.0], seed=0)


def _config(offline_input: str):
    config = sweep.get_config(_VARIANT.value)
    config.learner.offline_input = offline_input
    return config


def main():
    train_rates = {}
    for offline_input in _INPUTS.value:
        config = _config(offline_input)
        start = time.perf_counter()
        iterator = offline.make_iterator(components.StageSpec.from_config(config), [_DATASETS.value], [1.0], seed=0)
        next(iterator)  # Reads every transition ('memory') or fills the shuffle buffer ('stream').
        setup_s = time.perf_counter() - start
        wall, cpu = _rates(lambda n, it=iterator: [next(it) for _ in range(n)], _UPDATES.value)
        print(
            json.dumps(
                {
                    "case": "input",
                    "offline_input": offline_input,
                    "setup_s": round(setup_s, 1),
                    "batch_size": config.learner.batch_size,
                    "batches_per_s": round(wall, 1),
                    "batches_per_cpu_s": round(cpu, 1),
                    "peak_rss_gib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2),
                }
            ),
            flush=True,
        )
        for updates_per_step in map(int, _UPDATES_PER_STEP.value):
            config.learner.updates_per_step = updates_per_step
            spec = components.StageSpec.from_config(config)
            learner = offline.make_learner(spec, offline.make_iterator(spec, [_DATASETS.value], [1.0], seed=0), 0)
            learner.step()  # Compiles.
            steps = max(1, _UPDATES.value // updates_per_step)

            def train(count: int, learner=learner, steps=steps) -> None:
                del count
                for _ in range(steps):
                    metrics = learner.step()
                assert np.isfinite(metrics["critic_grad_norm"])

            wall, cpu = _rates(train, steps)
            train_rates[offline_input, updates_per_step] = wall * updates_per_step
            print(
                json.dumps(
                    {
                        "case": "train",
                        "offline_input": offline_input,
                        "agent": config.agent,
                        "updates_per_step": updates_per_step,
                        "updates_per_s": round(wall * updates_per_step, 1),
                        "updates_per_cpu_s": round(cpu * updates_per_step, 1),
                        "timed_updates": steps * updates_per_step,
                    }
                ),
                flush=True,
            )
    for updates_per_step in map(int, _UPDATES_PER_STEP.value):
        if ("memory", updates_per_step) in train_rates and ("stream", updates_per_step) in train_rates:
            print(
                json.dumps(
                    {
                        "case": "ratio",
                        "updates_per_step": updates_per_step,
                        "memory_over_stream": round(
                            train_rates["memory", updates_per_step] / train_rates["stream", updates_per_step], 2
                        ),
                    }
                ),
                flush=True,
            )


if __name__ == "__main__":
    cli.run(main, validate)
