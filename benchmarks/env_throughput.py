"""Environment throughput on one CPU core: one JSON object per line.

    python benchmarks/env_throughput.py [--steps=1000] [--resets=5] [--physics=timestep=0.005]

Cases: state-only, vision with three 64x64 and three 128x128 cameras, and the
raw physics limit of the state case: the same model, state and controls
stepped with `mujoco.mj_step` alone (same substeps), timed in blocks
alternating with the environment, with the ratio env / raw. Each case
runs in a fresh process pinned to CPU 0 so `rss_mb` is that of one
environment (Python, libraries and model included). Random actions.
`steps_per_cpu_s` divides by the process's CPU time instead of wall time,
which is the steadier number on a machine shared with other jobs.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MUJOCO_GL", "egl")

from absl import app, flags  # noqa: E402

_CASE = flags.DEFINE_enum("case", None, ["state", "vision64", "vision128"], "Run one case in-process.")
_STEPS = flags.DEFINE_integer("steps", 1000, "Control steps per case.")
_RESETS = flags.DEFINE_integer("resets", 5, "Resets timed per case.")
_TRIPLET = flags.DEFINE_string("triplet", "1", "Object set.")
_PHYSICS = flags.DEFINE_list("physics", [], "PhysicsOptions overrides, e.g. timestep=0.005 (to compare settings).")

_BLOCK = 50  # control steps per env / raw block
_CASES = {"state": ("state", 64), "vision64": ("vision", 64), "vision128": ("vision", 128)}


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _run_case(case: str, steps: int, resets: int, triplet: str, physics: list[str]) -> list[dict]:
    import mujoco
    import numpy as np

    from rgb_stacking_env.environment import EnvConfig, RgbStackingEnv
    from rgb_stacking_env.scene import PhysicsOptions

    observation_set, size = _CASES[case]
    env = RgbStackingEnv(
        EnvConfig(
            object_set=triplet,
            observation_set=observation_set,
            camera_size=size,
            seed=0,
            episode_length=10**9,
            physics=PhysicsOptions().with_overrides(physics),
        )
    )
    env.reset()  # builds and caches the scene
    start = time.perf_counter()
    for _ in range(resets):
        env.reset()
    reset_s = (time.perf_counter() - start) / resets
    spec = env.action_spec()
    actions = np.random.default_rng(0).uniform(spec.minimum, spec.maximum, (steps, 5)).astype(np.float32)
    env.reset()
    sim = env.simulation
    model, data = sim.model, sim.data
    env_seconds = raw_seconds = env_cpu = raw_cpu = 0.0
    # Blocks alternate env stepping and raw stepping of a copy of the same state with the
    # controls the env applied, so both see the same physics and the same machine load.
    for block in np.split(actions, max(1, steps // _BLOCK)):
        raw = copy.copy(data)  # a full copy of the simulation state
        controls = np.empty((len(block), model.nu))
        start, start_cpu = time.perf_counter(), time.process_time()
        for index, action in enumerate(block):
            env.step(action)
            controls[index] = data.ctrl
        env_seconds += time.perf_counter() - start
        env_cpu += time.process_time() - start_cpu
        start, start_cpu = time.perf_counter(), time.process_time()
        for control in controls:
            raw.ctrl[:] = control
            mujoco.mj_step(model, raw, sim.substeps)
        raw_seconds += time.perf_counter() - start
        raw_cpu += time.process_time() - start_cpu
    result = {
        "name": f"env_{case}",
        "steps_per_s": round(steps / env_seconds, 1),
        "steps_per_cpu_s": round(steps / env_cpu, 1),
        "reset_s": round(reset_s, 4),
        "rss_mb": round(_rss_mb(), 1),
        "camera_size": size if observation_set != "state" else None,
        "physics_timestep": model.opt.timestep,
        "substeps": sim.substeps,
    }
    raw_result = {
        "name": "raw_physics",
        "observation_set": observation_set,
        "camera_size": result["camera_size"],
        "steps_per_s": round(steps / raw_seconds, 1),
        "steps_per_cpu_s": round(steps / raw_cpu, 1),
        "env_steps_per_s": result["steps_per_s"],
        "ratio_env_over_raw": round(raw_seconds / env_seconds, 3),
        "ratio_env_over_raw_cpu": round(raw_cpu / env_cpu, 3),
        "substeps": sim.substeps,
    }
    env.close()
    return [result, raw_result] if case == "state" else [result]


def main(argv: list[str]) -> None:
    del argv
    os.sched_setaffinity(0, {0})
    if _CASE.value:
        for result in _run_case(_CASE.value, _STEPS.value, _RESETS.value, _TRIPLET.value, _PHYSICS.value):
            print(json.dumps(result), flush=True)
        return
    for case in _CASES:
        subprocess.run(
            [
                sys.executable,
                __file__,
                f"--case={case}",
                f"--steps={_STEPS.value}",
                f"--resets={_RESETS.value}",
                f"--triplet={_TRIPLET.value}",
                f"--physics={','.join(_PHYSICS.value)}",
            ],
            check=True,
        )
    print(
        json.dumps({"name": "machine", "load_average_1min": round(os.getloadavg()[0], 2), "cpus": os.cpu_count()}),
        flush=True,
    )


if __name__ == "__main__":
    app.run(main)
