"""What one decision's direction of horizontal motion is worth to the noise-free scripted pick, on
its own level states: one JSON line per lift task.

A reference for `q_profile.horizontal_direction_profile` on a learned Q (docs/mt_opt.md, session
23). Per lift task of one object, for `--episodes` of the evaluation's initial states
(`chef.mtopt.evaluation.episode_seed`), it runs the noise-free scripted pick from beside the
object (`level_approach_probability=1`) and takes up to `--states` of its approach decisions
(before the pinch first comes within `mtopt_lift_failures.REACH` of the object) that are level
with the object (`mtopt_lift_failures.approach_group`), spread evenly. At each, for each of
`--directions` directions it replays the episode to that decision (the seeded reset and the
policy's own generator make the replay exact; the script checks it), replaces the decision's
horizontal velocity with the direction at the velocity bound (the other dimensions kept; the
simulation bounds the norm of the linear velocity, so with a vertical command the horizontal move
is shorter), lets the scripted pick go on, and scores gamma^k, k the decisions after this one
until the task succeeds (0 if it does not within the pick's decisions): the scripted pick's own Q
for that direction. That is a lower bound of the optimal Q, for a controller that heads back to
its point beside the object and runs on phase timeouts, so it is a reference, not the optimal Q.
Each line gives, over the probed states:
- states; all_fail: those where no direction leads to the lift; all_tie_above_0: those where all
  directions score the same, above 0;
- over the others (ranked): best_cosine_where_ranked, the cosine with the direction to the object
  averaged over the directions tied at the top, top_ties_where_ranked, how many tie there, and
  correlation_where_ranked (Pearson, over the directions, between Q and that cosine);
- over all: spread (Q's max - min over the directions), the mean Q over the directions, and Q at
  the scripted pick's own action.
The flags `--cell` and `--eval` come with `mtopt_lift_failures` and are not used here.

  .venv/bin/python scripts/mtopt_direction_returns.py --config=mtopt:state --config.decision_period=10 \
      --config.grid.n_step=5 --config.seed=1 --episodes=4 --states=2 --directions=8
"""

import mtopt_lift_failures  # isort: skip  (first: its --config flag, and the command-line contract)

import json

import numpy as np
import tqdm
from absl import flags

from chef import wrappers
from chef.launch import cli
from chef.mtopt import decisions, evaluation, launch_setup, q_profile, rgb_tasks
from chef.mtopt.bootstrap import NoisyPickPlace
from rgb_stacking_env.simulation import MAX_LINEAR_VELOCITY

_EPISODES = flags.DEFINE_integer("episodes", 4, "Initial states per lift task.")
_STATES = flags.DEFINE_integer("states", 2, "Level decisions probed per episode, at most.")
_DIRECTIONS = flags.DEFINE_integer("directions", 8, "Directions of horizontal motion per decision.")
_TASKS = ("lift-red", "lift-green", "lift-blue")


class ScriptedPickReplay:
    """Noise-free scripted picks of one lift task from one seeded initial state, replayed exactly."""

    def __init__(
        self, env, family, task: str, reset_seed: int, policy_seed: tuple[int, int], period: int, num_decisions: int
    ):
        self._env, self._stepper = env, decisions.with_decision_period(env, period)
        self._spec, self._colour = family.task(task), task.removeprefix("lift-")
        self._reset_seed, self._policy_seed, self._period = reset_seed, policy_seed, period
        self.num_decisions = num_decisions

    def run(self, replace_at: int = -1, replacement: np.ndarray | None = None) -> tuple[list, list, int]:
        """(simulation state before each decision, actions, index of the decision after which the task
        first holds or -1) of one pick; decision `replace_at` takes `replacement` instead."""
        timestep = wrappers.reset(self._stepper, self._reset_seed)
        policy = NoisyPickPlace(
            0.0, 0.0, np.random.default_rng(self._policy_seed), self._period, level_approach_probability=1.0
        )
        policy.reset(timestep.observation)
        policy.start_pick(self._colour)
        states, actions = [], []
        for decision in range(self.num_decisions):
            states.append(rgb_tasks.final_state_from_simulation(self._env.simulation))
            action = np.asarray(policy(timestep.observation), np.float32)  # Advances the policy's phases.
            actions.append(replacement if decision == replace_at else action)
            timestep = self._stepper.step(actions[-1])
            if self._spec.success(rgb_tasks.final_state_from_simulation(self._env.simulation)):
                return states, actions, decision
            if timestep.last():
                break
        return states, actions, -1


def discounted_success(success_at: int, decision: int, gamma: float) -> float:
    """Q of a pick at `decision` that succeeds after decision `success_at` (-1: never): reward 1 on
    the success transition, discount `gamma` per decision before it."""
    return 0.0 if success_at < 0 else float(gamma ** (success_at - decision))


def validate():
    grid = launch_setup.check(mtopt_lift_failures._CONFIG.value).grid
    if grid.episode_end != "success":
        cli.fail(f"episode_end must be 'success' (Q here is gamma^k to the first success), got {grid.episode_end!r}")
    for flag, least in ((_EPISODES, 1), (_STATES, 1), (_DIRECTIONS, 2)):
        if flag.value < least:
            cli.fail(f"--{flag.name} must be >= {least}, got {flag.value}")


def main():
    config = mtopt_lift_failures._CONFIG.value
    setup = launch_setup.from_config(config)
    family, grid, period, seed = setup.family, setup.grid, setup.decision_period, config.seed
    env = launch_setup.make_env(config, setup)
    ring_angles = np.linspace(0.0, 2.0 * np.pi, _DIRECTIONS.value, endpoint=False)  # As q_profile's.
    ring = np.stack([np.cos(ring_angles), np.sin(ring_angles)], -1)  # [D, 2]
    for task in _TASKS:
        per_state = []  # (returns [D], cosine of each direction with the object [D], correlation, own Q)
        for episode in tqdm.trange(_EPISODES.value, desc=task):
            replay = ScriptedPickReplay(
                env, family, task, evaluation.episode_seed(seed, family.task_id(task), episode),
                (seed, episode), period, decisions.num_decisions(grid.pick_steps, period),
            )  # fmt: skip
            states, actions, success_at = replay.run()
            offsets = [mtopt_lift_failures.nearest_offset(state, task) for state in states]
            reach = [np.linalg.norm(o) < mtopt_lift_failures.REACH for o in offsets]
            approach = offsets[: reach.index(True) if any(reach) else len(offsets)]
            level = [d for d, o in enumerate(approach) if mtopt_lift_failures.approach_group(o) == "level"]
            chosen = sorted({level[int(i)] for i in np.linspace(0, len(level) - 1, _STATES.value)}) if level else []
            for decision in chosen:
                returns = []

                def rollout_q(_observation, candidates, _task_id, decision=decision):  # [1, D, A] -> [1, D]
                    for candidate in candidates[0]:
                        replayed, _, candidate_success = replay.run(decision, candidate)
                        if not np.allclose(replayed[decision]["tcp/position"], states[decision]["tcp/position"]):
                            raise RuntimeError(f"{task}, episode {episode}: the replay left the recorded states")
                        returns.append(discounted_success(candidate_success, decision, grid.gamma))
                    return np.asarray([returns])

                offset = offsets[decision][:2]
                profile = q_profile.horizontal_direction_profile(
                    rollout_q, {}, actions[decision][None], np.zeros(1, np.int32), offset[None],
                    float(MAX_LINEAR_VELOCITY), _DIRECTIONS.value,
                )  # fmt: skip
                cosines = ring @ (offset / max(np.linalg.norm(offset), 1e-9))
                own = discounted_success(success_at, decision, grid.gamma)
                per_state.append((np.asarray(returns), cosines, float(profile["correlation"][0]), own))
        print(json.dumps({"name": "mtopt_direction_returns", "task": task, "gamma": grid.gamma, **summary(per_state)}))


def summary(per_state: list[tuple[np.ndarray, np.ndarray, float, float]]) -> dict:
    """The line's fields (module docstring) from each probed state's (Q per direction [D], each
    direction's cosine with the object [D], correlation, Q at the scripted action)."""
    if not per_state:
        return {"states": 0}
    q = np.stack([s[0] for s in per_state])  # [S, D]
    cosines = np.stack([s[1] for s in per_state])
    spread = q.max(1) - q.min(1)
    ranked = spread >= q_profile.FLAT_SPREAD
    best = q >= q.max(1, keepdims=True) - 1e-9  # Directions tied at the top.
    best_cosine = (cosines * best).sum(1) / best.sum(1)
    return {
        "states": len(per_state),
        "all_fail": int((q.max(1) == 0).sum()),
        "all_tie_above_0": int((~ranked & (q.max(1) > 0)).sum()),
        "best_cosine_where_ranked": round(float(best_cosine[ranked].mean()), 3) if ranked.any() else None,
        "top_ties_where_ranked": round(float(best.sum(1)[ranked].mean()), 2) if ranked.any() else None,
        "correlation_where_ranked": (
            round(float(np.mean([s[2] for s, r in zip(per_state, ranked) if r])), 3) if ranked.any() else None
        ),
        "spread": round(float(spread.mean()), 3),
        "q_mean_over_directions": round(float(q.mean()), 3),
        "q_at_scripted_action": round(float(np.mean([s[3] for s in per_state])), 3),
    }


if __name__ == "__main__":
    cli.run(main, validate)
