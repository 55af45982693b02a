"""chef-evaluate on the committed policies (policies/README.md): the saved parameters still load
into the current networks and act in the current environment (one episode, about 40 s per policy:
a change to the networks or the evaluation that breaks them fails here, not in a user's hands).
Their measured success rates are in docs/results.md, from the commands in policies/README.md
(50 episodes per triplet)."""

import json
import pathlib
import subprocess

import pytest

from tests import commands

REPO = pathlib.Path(__file__).parents[3]


@pytest.mark.parametrize("policy", sorted(p.name for p in (REPO / "policies").iterdir() if p.is_dir()))
def test_committed_policy_loads_and_acts(policy, tmp_path):
    output = tmp_path / "eval.json"
    command = [
        *commands.command("evaluate"),
        f"--policy={REPO / 'policies' / policy / 'policy'}",
        "--triplets=4",
        "--episodes=1",
        f"--output={output}",
    ]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "triplet 4" in result.stdout, result.stdout
    assert json.loads(output.read_text())["success"]["4"]["episodes"] == 1
