"""CHEF HYPERPARAMETER EXPLORATION sweep (paper Section VII, Table II).

Offline multi-task MPO on the COLLECT data, crossing three axes:
- network: small ResNet {16, 32, 32} / embedding 32 (as in COLLECT) vs large
  ResNet {64, 128, 128, 64} / embedding 256;
- observations: with vs without haptics (wrist force and torque);
- tasks: multi-task (all six sub-tasks, shared critic torso) vs single-task
  (stack_leave only);
plus the baselines behaviour cloning, filtered BC (successful episodes only)
and filtered RL (MPO on successful episodes only), each with the large
network, haptics and all tasks.

For pixel runs (`--config=sweep:vision --sweep=sweeps/chef_offline.py`);
sweeps/chef_offline_state.py is the same sweep for state-based runs on CPU. All config keys and
values live in the block below, so aligning them with the stage config
(chef/configs/sweep.py) is a one-place edit.
"""

from chef.sweeps import product, to_sweep
from rgb_stacking_env.rewards import TASK_NAMES

# ---- Config keys and values (align with chef/configs/sweep.py here) --------
NETWORK_KEY = "network.resnet"
OBSERVATION_KEY = "haptics"
TASKS_KEY = "mpo.tasks"
AGENT_KEY = "agent"

SMALL_NETWORK, LARGE_NETWORK = "small", "large"
WITH_HAPTICS, WITHOUT_HAPTICS = True, False
MAIN_TASK = "stack_leave"
MPO, BASELINES = "mpo", ("bc", "filtered_bc", "filtered_mpo")
# ----------------------------------------------------------------------------

NETWORK_AXIS = [
    ("small", {NETWORK_KEY: SMALL_NETWORK}),
    ("large", {NETWORK_KEY: LARGE_NETWORK}),
]
OBSERVATION_AXIS = [
    ("haptics", {OBSERVATION_KEY: WITH_HAPTICS}),
    ("nohaptics", {OBSERVATION_KEY: WITHOUT_HAPTICS}),
]
TASKS_AXIS = [
    ("multitask", {TASKS_KEY: tuple(TASK_NAMES)}),
    ("singletask", {TASKS_KEY: (MAIN_TASK,)}),
]
# The setting every baseline shares: the paper's best offline RL candidate.
REFERENCE = [("", {NETWORK_KEY: LARGE_NETWORK, OBSERVATION_KEY: WITH_HAPTICS, TASKS_KEY: tuple(TASK_NAMES)})]
BASELINE_AXIS = [(agent, {AGENT_KEY: agent}) for agent in BASELINES]


def get_sweep() -> list[dict]:
    """8 MPO candidates (network x observations x tasks) + 3 baselines."""
    offline_rl = product([("mpo", {AGENT_KEY: MPO})], NETWORK_AXIS, OBSERVATION_AXIS, TASKS_AXIS)
    baselines = product(BASELINE_AXIS, REFERENCE)
    return to_sweep(offline_rl) + to_sweep(baselines)
