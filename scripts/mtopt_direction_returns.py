"""What one decision's direction of horizontal motion is worth to the noise-free scripted pick, on
its own level states: one JSON line per lift task.

The known answer that `q_profile.horizontal_direction_profile` measures a learned Q against
(docs/mt_opt.md, session 23). Per lift task of one object, for `--episodes` of the evaluation's
initial states (`chef.mtopt.evaluation.episode_seed`), it runs the noise-free scripted pick from
beside the object (`level_approach_probability=1`) and takes up to `--states` of its approach
decisions that are level with the object (`mtopt_lift_failures.approach_group`), spread evenly. At
each, for each of `--directions` directions it replays the episode to that decision (the seeded
reset and the policy's own generator make the replay exact; the script checks it), replaces the
decision's horizontal velocity with the direction at the velocity bound (the other dimensions
kept), lets the scripted pick go on, and scores gamma^k, k the decisions after this one until the
task succeeds (0 if it does not within the pick's decisions): the scripted pick's own Q for that
direction, a lower bound of the optimal Q. Each line gives, over those states, the share where
every direction scores the same (`flat_share`), the mean cosine of the best direction where they
do not, the means of the profile's correlation (0 where flat) and spread (Q's max - min over the
directions), and the mean of Q over the directions and at the scripted pick's own action.

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

    def __init__(self, env, family, task: str, reset_seed: int, policy_seed: int, period: int, num_decisions: int):
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
    launch_setup.check(mtopt_lift_failures._CONFIG.value)
    for flag, least in ((_EPISODES, 1), (_STATES, 1), (_DIRECTIONS, 2)):
        if flag.value < least:
            cli.fail(f"--{flag.name} must be >= {least}, got {flag.value}")


def main():
    config = mtopt_lift_failures._CONFIG.value
    setup = launch_setup.from_config(config)
    family, grid, period, seed = setup.family, setup.grid, setup.decision_period, config.seed
    env = launch_setup.make_env(config, setup)
    for task in _TASKS:
        profiles, own, mean_q = [], [], []
        for episode in tqdm.trange(_EPISODES.value, desc=task):
            replay = ScriptedPickReplay(
                env, family, task, evaluation.episode_seed(seed, family.task_id(task), episode),
                (seed, episode), period, decisions.num_decisions(grid.pick_steps, period),
            )  # fmt: skip
            states, actions, success_at = replay.run()
            level = [
                d
                for d, state in enumerate(states[: success_at if success_at >= 0 else None])
                if mtopt_lift_failures.approach_group(mtopt_lift_failures.nearest_offset(state, task)) == "level"
            ]
            chosen = sorted({level[int(i)] for i in np.linspace(0, len(level) - 1, _STATES.value)}) if level else []
            for decision in chosen:
                offset = mtopt_lift_failures.nearest_offset(states[decision], task)

                def rollout_q(_observation, candidates, _task_id, decision=decision):  # [1, D, A] -> [1, D]
                    returns = []
                    for candidate in candidates[0]:
                        replayed, _, candidate_success = replay.run(decision, candidate)
                        if not np.allclose(replayed[decision]["tcp/position"], states[decision]["tcp/position"]):
                            raise RuntimeError(f"{task}, episode {episode}: the replay left the recorded states")
                        returns.append(discounted_success(candidate_success, decision, grid.gamma))
                    mean_q.append(float(np.mean(returns)))
                    return np.asarray([returns])

                profile = q_profile.horizontal_direction_profile(
                    rollout_q, {}, actions[decision][None], np.zeros(1, np.int32), offset[None, :2],
                    float(MAX_LINEAR_VELOCITY), _DIRECTIONS.value,
                )  # fmt: skip
                profiles.append(profile)
                own.append(discounted_success(success_at, decision, grid.gamma))
        row = {"name": "mtopt_direction_returns", "task": task, "states": len(profiles), "gamma": grid.gamma}
        if profiles:
            spread = np.concatenate([p["spread"] for p in profiles])
            ranked = spread >= q_profile.FLAT_SPREAD  # Elsewhere every direction ties: no best one.
            best = np.concatenate([p["argmax_cosine"] for p in profiles])[ranked]
            row["flat_share"] = round(float(1.0 - ranked.mean()), 3)
            row["argmax_cosine_where_ranked"] = round(float(best.mean()), 3) if best.size else None
            row["correlation"] = round(float(np.mean([p["correlation"] for p in profiles])), 3)
            row["spread"] = round(float(spread.mean()), 3)
            row["q_mean_over_directions"] = round(float(np.mean(mean_q)), 3)
            row["q_at_scripted_action"] = round(float(np.mean(own)), 3)
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    cli.run(main, validate)
