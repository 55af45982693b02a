"""Bad input to the stage scripts: one line on stderr naming the problem, exit status 2, and the
run directory exactly as it was (nothing created, nothing changed). Each case is a process
(about 20 s of imports on 2 cores); tests/chef/stages/test_validation.py checks more rules in-process."""

import os
import pathlib
import subprocess

import pytest

from tests import commands

_REPO = pathlib.Path(__file__).resolve().parents[2]

# (script, arguments, a fragment of the one-line message, an existing file the run directory
# holds before the call or None for a new run).
_CASES = {
    "unknown_object_set": ("collect", ["--config.env.object_set=9"], "Unknown object set '9'", None),
    "zero_publish_period": (
        "collect",
        ["--config.learner.publish_period=0"],
        "config.learner: publish_period must be an integer >= 1, got 0",
        None,
    ),
    "unknown_field": ("collect", ["--config.learner.bogus=3"], "'bogus' is not a field of the config", None),
    "wrong_type": ("collect", ["--config.learner.num_steps=abc"], "--config.learner.num_steps=abc", None),
    "unfinished_without_resume": ("collect", [], "pass --resume", "collect/config.json"),
    "no_collect_data": (
        "sweep",
        ["--config=sweep:tiny", "--sweep=sweeps/chef_demo.py"],
        "no episode datasets under",
        None,
    ),
    "missing_sweep_file": (
        "sweep",
        ["--config=sweep:tiny", "--sweep=sweeps/missing.py"],
        "sweeps/missing.py does not exist",
        None,
    ),
    "no_sweep": ("execute", ["--config=execute:tiny"], "no completed sweep at", None),
    "one_proportion": (
        "finetune",
        ["--config=finetune:tiny", "--config.finetune.proportions=(1.0,)"],
        "proportions must be two non-negative shares",
        None,
    ),
    "no_actors": (
        "pipeline",
        ["--config=pipeline:tiny", "--config.collect.actors.num_actors=0"],
        "num_actors must be >= 1, got 0",
        None,
    ),
    "missing_mtopt_dataset": (
        "mtopt_ablation",
        ["--config=mtopt:tiny", "--config.dataset_dir=/nonexistent/chef_dataset"],
        "/nonexistent/chef_dataset",
        None,
    ),
    "missing_policy": ("evaluate", ["--policy=/nonexistent/policy"], "is not a directory", None),
    "policy_without_config": (
        "evaluate",
        ["--policy={root}/r/collect/policy"],
        "no config.json beside",
        "collect/policy/params",
    ),
}
_WITHOUT_RUN_DIR = {"evaluate"}  # Commands that write no run directory.
_DEFAULT_CONFIG = {"collect": "--config=collect:tiny"}


def _snapshot(root: pathlib.Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() if p.is_file() else b"<dir>" for p in sorted(root.rglob("*"))}


@pytest.mark.parametrize("case", sorted(_CASES))
def test_bad_input_is_refused_before_anything_is_written(tmp_path, case):
    script, arguments, message, existing = _CASES[case]
    root = tmp_path / "runs"
    root.mkdir()
    if existing is not None:
        (root / "r" / existing).parent.mkdir(parents=True)
        (root / "r" / existing).write_text("{}")
    before = _snapshot(root)
    default = (
        [_DEFAULT_CONFIG[script]]
        if script in _DEFAULT_CONFIG and not any(a.startswith("--config=") for a in arguments)
        else []
    )
    arguments = [a.replace("{root}", str(root)) for a in arguments]
    run_dir = [] if script in _WITHOUT_RUN_DIR else [f"--root_dir={root}", "--run_name=r"]
    result = subprocess.run(
        [*commands.command(script), *default, *arguments, *run_dir],
        cwd=_REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(_REPO)},
    )
    assert result.returncode == 2, result.stderr[-3000:]
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.stderr[-3000:]
    assert result.stdout == ""
    assert _snapshot(root) == before
