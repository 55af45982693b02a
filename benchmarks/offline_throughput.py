"""Offline candidate training (SWEEP / FINE-TUNE) with its data path: RLDS -> tf.data -> learner.

On the given COLLECT datasets, times (one JSON object per line):
- `input`: numpy batches per second of `offline.make_iterator` alone (the tf.data pipeline);
- `train`: updates per wall-second and per CPU-second of `offline.make_learner` fed by that
  iterator, for each `--updates_per_step` (1 = one jitted update per call, 10 = lax.scan).
The config is `experiments/sweep.py:<variant>` (agent 'mpo', batch 256).

  .venv/bin/python benchmarks/offline_throughput.py --datasets=runs/<run>/collect/datasets/actor_0,...
"""
import json
import time

import numpy as np
from absl import flags

from chef.launch import cli
from chef.stages import offline
from chef.utils import config as config_lib
from experiments import sweep

_DATASETS = flags.DEFINE_list("datasets", [], "COLLECT dataset directories (e.g. every actor's).")
_VARIANT = flags.DEFINE_string("variant", "state", "experiments/sweep.py variant.")
_UPDATES = flags.DEFINE_integer("updates", 300, "Timed updates per case.")
_UPDATES_PER_STEP = flags.DEFINE_list("updates_per_step", ["1", "10"], "Updates per learner step to compare.")


def _rates(fn, count: int) -> tuple[float, float]:
    start, cpu_start = time.perf_counter(), time.process_time()
    fn(count)
    return count / (time.perf_counter() - start), count / (time.process_time() - cpu_start)


def validate() -> None:
    if not _DATASETS.value:
        raise config_lib.ConfigError("--datasets must name at least one COLLECT dataset directory")
    offline.make_iterator(sweep.get_config(_VARIANT.value), [_DATASETS.value], [1.0], seed=0)


def main():
    config = sweep.get_config(_VARIANT.value)
    iterator = offline.make_iterator(config, [_DATASETS.value], [1.0], seed=0)
    next(iterator)  # Fills the shuffle buffer.
    wall, cpu = _rates(lambda n: [next(iterator) for _ in range(n)], _UPDATES.value)
    print(json.dumps({"case": "input", "batch_size": config.learner.batch_size, "batches_per_s": round(wall, 1),
                      "batches_per_cpu_s": round(cpu, 1)}), flush=True)
    for updates_per_step in map(int, _UPDATES_PER_STEP.value):
        config.learner.updates_per_step = updates_per_step
        learner = offline.make_learner(config, offline.make_iterator(config, [_DATASETS.value], [1.0], seed=0), 0)
        learner.step()  # Compiles.
        steps = max(1, _UPDATES.value // updates_per_step)

        def train(count: int) -> None:
            del count
            for _ in range(steps):
                metrics = learner.step()
            assert np.isfinite(metrics["critic_grad_norm"])
        wall, cpu = _rates(train, steps)
        print(json.dumps({"case": "train", "agent": config.agent, "updates_per_step": updates_per_step,
                          "updates_per_s": round(wall * updates_per_step, 1),
                          "updates_per_cpu_s": round(cpu * updates_per_step, 1),
                          "timed_updates": steps * updates_per_step}), flush=True)


if __name__ == "__main__":
    cli.run(main, validate)
