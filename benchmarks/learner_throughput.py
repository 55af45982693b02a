"""MPO learner throughput: jitted updates per second on synthetic batches.

Prints one JSON object per line (updates per wall-clock second and per
CPU-second of this process): the state config (batch 256, 6 tasks, 20
action samples, 51 atoms), the same with one task, `collect_state` (exactly what
`collect:state` trains), and the pixel configs (small and large ResNet, three
64x64 cameras), on the default JAX device (CPU here, GPU when present).

  .venv/bin/python benchmarks/learner_throughput.py [--configs=state,pixels_small] [--updates=50]

--xla=chef runs XLA:CPU as chef's processes do (chef/utils/xla_flags.py: flags and a one-thread
intra-op pool), --xla=jax keeps JAX's defaults;
--updates_per_call=10 times the scanned multi-update step (`learning.make_multi_update_step`).
Each block of updates is timed separately; the best and median blocks are reported, since
other jobs on a shared machine only ever add time.
"""

import json
import os
import time
from typing import Iterator

import jax
import numpy as np
from absl import app, flags

from chef import types
from chef.agents.mpo import learning
from chef.agents.mpo.config import MPOConfig
from chef.configs import collect
from chef.networks import multitask
from chef.stages import components
from chef.utils import xla_flags

_CONFIGS = flags.DEFINE_list(
    "configs", ["state", "state_single_task", "collect_state", "pixels_small", "pixels_large"], "Which configs to run."
)
_UPDATES = flags.DEFINE_integer("updates", 50, "Timed updates for the state config.")
_PIXEL_UPDATES = flags.DEFINE_integer("pixel_updates", 5, "Timed updates for the pixel configs.")
_PIXEL_BATCH = flags.DEFINE_integer("pixel_batch_size", 256, "Batch size of the pixel configs.")
_XLA = flags.DEFINE_enum("xla", "chef", ["chef", "jax"], "XLA:CPU flags: chef's defaults or JAX's.")
_UPDATES_PER_CALL = flags.DEFINE_integer("updates_per_call", 1, "Updates per jitted call (lax.scan).")
_BLOCKS = flags.DEFINE_integer("blocks", 5, "Timed blocks (each `updates` / blocks updates).")

NUM_TASKS = 6
ACTION_DIM = 5  # RGB-Stacking: Cartesian velocity (4) + gripper (1).
STATE_SPEC = {  # The benchmark's state observation set (shapes only).
    "sawyer/tcp/pose": (7,),
    "sawyer/joints/angle": (7,),
    "gripper/joints/angle": (1,),
    "wrist/force": (3,),
    "wrist/torque": (3,),
    "rgb30_red/abs_pose": (7,),
    "rgb30_green/abs_pose": (7,),
    "rgb30_blue/abs_pose": (7,),
}
CAMERAS = ("basket_front_left/pixels", "basket_front_right/pixels", "basket_back_left/pixels")
PROPRIO_KEYS = ("sawyer/tcp/pose", "sawyer/joints/angle", "gripper/joints/angle", "wrist/force", "wrist/torque")


def _num_tasks(name: str) -> int:
    return 1 if name == "state_single_task" else NUM_TASKS


def _collect_state() -> tuple[MPOConfig, dict[str, tuple[int, ...]]]:
    """The MPO config and input shapes of `collect:state` (what COLLECT trains)."""
    config = collect.get_config("state")
    spec = components.StageSpec.from_config(config)
    return spec.mpo, {k: tuple(s.shape) for k, s in spec.observation_spec.items()}


def _config(name: str) -> MPOConfig:
    if name == "collect_state":
        return _collect_state()[0]
    if name in ("state", "state_single_task"):
        network = multitask.NetworkConfig(observation_keys=tuple(STATE_SPEC))
    elif name in ("pixels_small", "pixels_large"):
        network = multitask.NetworkConfig(observation_keys=PROPRIO_KEYS + CAMERAS, resnet=name.split("_")[1])
    else:
        raise ValueError(
            f"unknown config {name!r}; valid: state, state_single_task, collect_state, pixels_small, pixels_large"
        )
    return MPOConfig(network=network, num_samples=20)


def _batches(
    keys: tuple[str, ...],
    batch_size: int,
    num_tasks: int,
    seed: int = 0,
    spec: dict[str, tuple[int, ...]] | None = None,
) -> Iterator[types.Transition]:
    rng = np.random.default_rng(seed)
    spec = spec or dict(STATE_SPEC, **{camera: (64, 64, 3) for camera in CAMERAS})

    def observation():
        return {
            k: (
                rng.integers(0, 256, (batch_size, *spec[k]), np.uint8)
                if k.endswith("/pixels")
                else rng.normal(size=(batch_size, *spec[k])).astype(np.float32)
            )
            for k in keys
        }

    while True:
        yield types.Transition(
            observation(),
            rng.uniform(-1, 1, (batch_size, ACTION_DIM)).astype(np.float32),
            rng.uniform(0, 1, (batch_size, num_tasks)).astype(np.float32),
            np.full((batch_size,), 0.99**5, np.float32),
            observation(),
        )


def measure(name: str, batch_size: int, num_updates: int, updates_per_call: int = 1, blocks: int = 1) -> dict:
    config, num_tasks = _config(name), _num_tasks(name)
    policy, critic = multitask.make_networks(config.network, num_tasks, ACTION_DIM)
    # Batches already on the device: this times the update, not an input pipeline.
    spec = _collect_state()[1] if name == "collect_state" else None
    batches = _batches(config.network.observation_keys, batch_size, num_tasks, spec=spec)
    batch = next(batches)
    state = learning.init_training_state(policy, critic, config, batch.observation, ACTION_DIM, jax.random.PRNGKey(0))
    if updates_per_call > 1:
        batch = jax.tree_util.tree_map(
            lambda *x: np.stack(x), batch, *[next(batches) for _ in range(updates_per_call - 1)]
        )
        update_step = learning.make_multi_update_step(policy, critic, config, range(num_tasks))
    else:
        update_step = learning.make_update_step(policy, critic, config, range(num_tasks))
    batch = jax.device_put(batch)
    start = time.perf_counter()
    state, _ = update_step(state, batch)  # Compiles.
    jax.block_until_ready(state)
    compile_s = time.perf_counter() - start
    calls = max(1, num_updates // (updates_per_call * blocks))
    rates, cpu_rates = [], []
    for _ in range(blocks):
        start, cpu_start = time.perf_counter(), time.process_time()
        for _ in range(calls):
            state, _ = update_step(state, batch)
        jax.block_until_ready(state)
        rates.append(calls * updates_per_call / (time.perf_counter() - start))
        cpu_rates.append(calls * updates_per_call / (time.process_time() - cpu_start))
    # Updates per CPU-second (all threads of this process) is robust to other
    # jobs sharing the machine; wall-clock updates/s is what a run gets.
    return {
        "name": name,
        "updates_per_s": round(float(np.median(rates)), 3),
        "updates_per_cpu_s": round(float(np.median(cpu_rates)), 3),
        "best_updates_per_cpu_s": round(max(cpu_rates), 3),
        "batch_size": batch_size,
        "updates_per_call": updates_per_call,
        "xla_flags": os.environ.get("XLA_FLAGS", ""),
        "num_tasks": num_tasks,
        "num_samples": config.num_samples,
        "num_atoms": config.network.num_atoms,
        "torso_hidden_sizes": config.network.torso_hidden_sizes,
        "head_hidden_sizes": config.network.head_hidden_sizes,
        "resnet": config.network.resnet,
        "device": str(jax.devices()[0].device_kind),
        "platform": jax.default_backend(),
        "compile_s": round(compile_s, 2),
        "timed_updates": calls * updates_per_call * blocks,
    }


def main(argv):
    del argv
    if _XLA.value == "chef":
        xla_flags.start_single_threaded_backend()  # Before the first computation.
    for name in _CONFIGS.value:
        pixels = name.startswith("pixels")
        result = measure(
            name,
            _PIXEL_BATCH.value if pixels else 256,
            _PIXEL_UPDATES.value if pixels else _UPDATES.value,
            1 if pixels else _UPDATES_PER_CALL.value,
            1 if pixels else _BLOCKS.value,
        )
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    app.run(main)
