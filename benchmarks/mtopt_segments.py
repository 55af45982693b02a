"""How long MT-Opt's scripted pick and place take, and what exploration does to them: one JSON
object per line.

    python benchmarks/mtopt_segments.py [--chains=30] [--max_steps=400] [--decision_period=5]
        [--action_noise=0] [--random_action_probability=0] [--gripper_flip_probability=0]
        [--held_flip_probability=0] [--level_approach_probability=0]

Each chain resets the state scene (`--object_set`), picks a colour (cycling red, green, blue) with
`chef.mtopt.bootstrap.NoisyPickPlace` until the object is lifted or `--max_steps` control steps
have passed, then, if it was lifted, places it on another colour the same way. A segment ends at
its task's first success (`episode_end='success'`), so its length is the time that success took.
Per segment kind, the line reports the success rate, the quantiles of the control steps to
success, and the share of chains that succeed within each candidate limit (`--limits`): the
evidence for `pick_steps` and `place_steps` (docs/mt_opt.md).
"""

from __future__ import annotations

import json
import time

import numpy as np
import tqdm
from absl import app, flags

import rgb_stacking_env
from chef import wrappers
from chef.mtopt import collection, decisions, rgb_tasks
from chef.mtopt.bootstrap import NoisyPickPlace

_CHAINS = flags.DEFINE_integer("chains", 30, "Pick-then-place chains.")
_MAX_STEPS = flags.DEFINE_integer("max_steps", 400, "Control steps each segment may take at most.")
_PERIOD = flags.DEFINE_integer("decision_period", 5, "Control steps per decision.")
_OBJECT_SET = flags.DEFINE_string("object_set", "1", "Object set of the scene.")
_AIM_NOISE = flags.DEFINE_float("aim_noise", 0.0, "Per-segment xy aiming offset std (m).")
_ACTION_NOISE = flags.DEFINE_float("action_noise", 0.0, "Velocity noise std, fraction of the bound.")
_RANDOM = flags.DEFINE_float("random_action_probability", 0.0, "Per decision: uniform random arm velocities.")
_FLIP = flags.DEFINE_float("gripper_flip_probability", 0.0, "Per decision: gripper flipped (open phases).")
_HELD_FLIP = flags.DEFINE_float("held_flip_probability", 0.0, "Per decision: gripper flipped (closed phases).")
_LEVEL = flags.DEFINE_float("level_approach_probability", 0.0, "Per pick: approach from beside the object.")
_LIMITS = flags.DEFINE_list("limits", ["150", "200", "250", "300", "400"], "Candidate segment limits (control steps).")
_SEED = flags.DEFINE_integer("seed", 0, "Collection seed.")

_PLACE_ON = {"red": "blue", "green": "blue", "blue": "red"}


def _counted(policy):
    """`policy` and a list that grows by one per decision it makes."""
    calls = []

    def act(observation):
        calls.append(1)
        return policy(observation)

    return act, calls


def _summary(kind: str, steps_to_success: list[float], limits: list[int]) -> dict:
    """`steps_to_success`: control steps per segment, inf where it never succeeded."""
    steps = np.asarray(steps_to_success, float)
    done = steps[np.isfinite(steps)]
    quantiles = np.percentile(done, [10, 50, 90]).round(1).tolist() if len(done) else None
    return {
        "segment": kind,
        "segments": len(steps),
        "success": round(float(np.isfinite(steps).mean()), 3),
        "steps_to_success_p10_p50_p90": quantiles,
        "success_within": {str(limit): round(float((steps <= limit).mean()), 3) for limit in limits},
    }


def main(argv: list[str]) -> None:
    del argv
    limits = sorted(int(v) for v in _LIMITS.value)
    period = _PERIOD.value
    family = rgb_tasks.rgb_task_family()
    env = decisions.with_decision_period(
        rgb_stacking_env.make(_OBJECT_SET.value, observation_set="state", seed=_SEED.value, episode_length=10_000),
        period,
    )
    rng = np.random.default_rng(_SEED.value)
    policy = NoisyPickPlace(
        _AIM_NOISE.value, _ACTION_NOISE.value, rng, period, _RANDOM.value, _FLIP.value, _HELD_FLIP.value, _LEVEL.value
    )
    limit = decisions.num_decisions(_MAX_STEPS.value, period)
    pick_steps, place_steps, per_colour = [], [], {c: [] for c in rgb_tasks.COLOURS}
    start = time.perf_counter()
    for chain in tqdm.trange(_CHAINS.value, desc="chains"):
        colour = rgb_tasks.COLOURS[chain % len(rgb_tasks.COLOURS)]
        timestep = wrappers.reset(env, collection.chain_seed(_SEED.value, chain))
        metadata = collection.chain_metadata(env, "benchmark", chain)
        policy.reset(timestep.observation)
        policy.start_pick(colour)
        act, calls = _counted(policy)
        pick = f"lift-{colour}"
        timestep, labels = collection.run_segment(env, timestep, act, limit, family, None, pick, metadata)
        steps = len(calls) * period if labels[pick] else np.inf
        pick_steps.append(steps)
        per_colour[colour].append(steps)
        if not labels[pick] or timestep.last():
            continue
        policy.start_place(_PLACE_ON[colour])
        act, calls = _counted(policy)
        place = f"place-{colour}-on-{_PLACE_ON[colour]}"
        if place not in family.names:
            place = "place-any"
        _, labels = collection.run_segment(env, timestep, act, limit, family, None, place, metadata)
        place_steps.append(len(calls) * period if labels[place] else np.inf)
    settings = {
        "object_set": _OBJECT_SET.value,
        "decision_period": period,
        "aim_noise": _AIM_NOISE.value,
        "action_noise": _ACTION_NOISE.value,
        "random_action_probability": _RANDOM.value,
        "gripper_flip_probability": _FLIP.value,
        "held_flip_probability": _HELD_FLIP.value,
        "level_approach_probability": _LEVEL.value,
        "max_steps": _MAX_STEPS.value,
    }
    rows = [_summary("pick", pick_steps, limits), _summary("place (after a lift)", place_steps, limits)]
    rows += [_summary(f"pick {c}", s, limits) for c, s in per_colour.items()]
    seconds = round(time.perf_counter() - start, 1)
    for row in rows:
        print(json.dumps({"name": "mtopt_segments", **settings, **row, "seconds": seconds}))


if __name__ == "__main__":
    app.run(main)
