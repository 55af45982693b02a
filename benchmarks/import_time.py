"""Start-up cost of a chef process: the CPU time and wall time of importing each module in a fresh
Python process, one JSON object per line.

    python benchmarks/import_time.py [--repeats=3] [--modules=chef.stages.collect,chef.stages.collect+distrax]

Every node of a launched program (replay, learner, actors, evaluator, SWEEP candidates, EXECUTE
runners) is a new process that imports its stage's modules before doing any work, so a tiny
pipeline spends much of its time here. `cpu_s` is the child's user + system time, the steadier
figure on a shared machine; cases alternate within each repeat so they see the same load. Each
module is timed with the installed bytecode (scripts/install.sh compiles it) and without any, as
a process finds things when PYTHONDONTWRITEBYTECODE is set and nothing was compiled. Rows
for single libraries (tensorflow, jax, distrax) show what each one costs on its own, and
`chef.stages.collect+distrax` what a node paid when the MPO loss imported distrax.
"""

import json
import os
import resource
import subprocess
import sys
import tempfile
import time

from absl import app, flags

_REPEATS = flags.DEFINE_integer("repeats", 3, "Fresh processes per module.", lower_bound=1)
_MODULES = flags.DEFINE_list(
    "modules",
    ["chef.stages.collect", "chef.stages.collect+distrax", "tensorflow", "jax", "distrax"],
    "Modules to import, each in its own process; 'a+b' imports a, then b, in one process.",
)


def _time_import(module: str, bytecode: bool) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of `python -c 'import module'`; without `bytecode` Python finds no
    compiled file (an empty PYTHONPYCACHEPREFIX) and writes none, so it compiles every source."""
    with tempfile.TemporaryDirectory() as empty:
        env = dict(os.environ)
        if not bytecode:
            env.update(PYTHONPYCACHEPREFIX=empty, PYTHONDONTWRITEBYTECODE="1")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        command = [sys.executable, "-c", f"import {module.replace('+', ', ')}"]
        subprocess.run(command, check=True, env=env, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(_):
    cases = [(module, bytecode) for module in _MODULES.value for bytecode in (True, False)]
    times: dict[tuple[str, bool], list[tuple[float, float]]] = {case: [] for case in cases}
    for _ in range(_REPEATS.value):
        for case in cases:
            times[case].append(_time_import(*case))
    for (module, bytecode), samples in times.items():
        walls, cpus = zip(*samples)
        row = dict(
            benchmark="import_time",
            module=module,
            bytecode=bytecode,
            repeats=len(samples),
            wall_s_median=round(sorted(walls)[len(walls) // 2], 2),
            cpu_s_median=round(sorted(cpus)[len(cpus) // 2], 2),
            cpu_s_min=round(min(cpus), 2),
        )
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    app.run(main)
