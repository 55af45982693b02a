"""Stacking success of the scripted policy per object set: one JSON object per line.

    python benchmarks/scripted_policy_success.py [--episodes=50] [--object_sets=1,2,3,4,5]

Success is CHEF's metric: stack_leave == 1 at the end of the 400-step episode.
Also reported: the reference sparse success at the end, the fraction of
episodes in which red was lifted (lift > 0.5 at some step) and the fraction in
which the wrist force exceeded CHEF's 20 N termination threshold at some step
(force termination itself is off here).
"""

from __future__ import annotations

import json
import time

import numpy as np
import tqdm
from absl import app, flags

import rgb_stacking_env
from rgb_stacking_env.scripted_policy import ScriptedStackingPolicy

_EPISODES = flags.DEFINE_integer("episodes", 50, "Episodes per object set.")
_OBJECT_SETS = flags.DEFINE_list("object_sets", ["1", "2", "3", "4", "5"], "Object sets to evaluate.")
_SEED = flags.DEFINE_integer("seed", 0, "Environment seed.")
_CHEF_FORCE_THRESHOLD = 20.0  # N


def evaluate(object_set: str, episodes: int, seed: int) -> dict:
    env = rgb_stacking_env.make(object_set, seed=seed)
    policy = ScriptedStackingPolicy()
    stack_leave, sparse, lifted, forceful = [], [], [], []
    start = time.perf_counter()
    for _ in tqdm.trange(episodes, desc=f"object set {object_set}"):
        timestep = env.reset()
        policy.reset()
        episode_lifted, peak_force = False, 0.0
        while not timestep.last():
            timestep = env.step(policy(timestep.observation))
            episode_lifted |= bool(env.last_rewards["lift"] > 0.5)
            peak_force = max(peak_force, float(np.linalg.norm(env.simulation.wrist_force())))
        stack_leave.append(float(env.last_rewards["stack_leave"] == 1.0))
        sparse.append(float(env.last_rewards["sparse_success"]))
        lifted.append(float(episode_lifted))
        forceful.append(float(peak_force > _CHEF_FORCE_THRESHOLD))
    return {
        "name": "scripted_policy_success",
        "object_set": object_set,
        "episodes": episodes,
        "seed": seed,
        "stack_leave_success": round(float(np.mean(stack_leave)), 3),
        "sparse_success": round(float(np.mean(sparse)), 3),
        "lifted": round(float(np.mean(lifted)), 3),
        "force_over_20n": round(float(np.mean(forceful)), 3),
        "seconds": round(time.perf_counter() - start, 1),
    }


def main(argv: list[str]) -> None:
    del argv
    for object_set in _OBJECT_SETS.value:
        print(json.dumps(evaluate(object_set, _EPISODES.value, _SEED.value)), flush=True)


if __name__ == "__main__":
    app.run(main)
