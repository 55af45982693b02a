"""CHEF's offline sweep for state-based runs (CPU): the axes of sweeps/chef_offline.py with the
network axis over MLP sizes instead of ResNets.

- network: small MLP (256, 256) vs large MLP (512, 512, 256);
- observations: with vs without haptics (wrist force and torque);
- tasks: multi-task (all six sub-tasks) vs single-task (stack_leave only);
plus behaviour cloning, filtered BC and filtered RL with the large network, haptics, all tasks.

Usage: chef-sweep --config=sweep:state --sweep=sweeps/chef_offline_state.py
"""

from chef.sweeps import product, to_sweep
from rgb_stacking_env.rewards import TASK_NAMES

NETWORK_KEY = "network.torso_hidden_sizes"
SMALL_NETWORK, LARGE_NETWORK = (256, 256), (512, 512, 256)
MAIN_TASK = "stack_leave"

NETWORK_AXIS = [("small", {NETWORK_KEY: SMALL_NETWORK}), ("large", {NETWORK_KEY: LARGE_NETWORK})]
OBSERVATION_AXIS = [("haptics", {"haptics": True}), ("nohaptics", {"haptics": False})]
TASKS_AXIS = [("multitask", {"mpo.tasks": tuple(TASK_NAMES)}), ("singletask", {"mpo.tasks": (MAIN_TASK,)})]
REFERENCE = [("", {NETWORK_KEY: LARGE_NETWORK, "haptics": True, "mpo.tasks": tuple(TASK_NAMES)})]
BASELINE_AXIS = [(agent, {"agent": agent}) for agent in ("bc", "filtered_bc", "filtered_mpo")]


def get_sweep() -> list[dict]:
    """8 MPO candidates (network x observations x tasks) + 3 baselines."""
    offline_rl = product([("mpo", {"agent": "mpo"})], NETWORK_AXIS, OBSERVATION_AXIS, TASKS_AXIS)
    return to_sweep(offline_rl) + to_sweep(product(BASELINE_AXIS, REFERENCE))
