import dm_env
import numpy as np
import pytest
from dm_env import specs

import rgb_stacking_env
from chef import wrappers
from chef.data.rlds_writer import EpisodeWriter
from chef.mtopt import collection, decisions, episodes, evaluation, rgb_tasks, training
from chef.mtopt.bootstrap import NoisyPickPlace
from rgb_stacking_env.scripted_policy import Phase


class _CountingEnv(dm_env.Environment):
    """Observation = number of control steps since reset; ends after `length` steps."""

    def __init__(self, length: int):
        self.length, self.actions, self.simulation = length, [], "sim"

    def reset(self):
        self.t = 0
        return dm_env.restart(np.asarray(self.t))

    def step(self, action):
        self.t += 1
        self.actions.append(np.asarray(action))
        if self.t >= self.length:
            return dm_env.truncation(0.0, np.asarray(self.t))
        return dm_env.transition(0.0, np.asarray(self.t))

    def observation_spec(self):
        return specs.Array((), int)

    def action_spec(self):
        return specs.BoundedArray((1,), np.float32, -1.0, 1.0)


def test_num_decisions_rounds_up():
    assert decisions.num_decisions(150, 5) == 30
    assert decisions.num_decisions(12, 5) == 3
    assert decisions.num_decisions(7, 1) == 7
    with pytest.raises(ValueError, match="must be >= 1"):
        decisions.num_decisions(10, 0)


def test_action_repeat_holds_each_action_for_the_period_and_stops_at_the_end():
    base = _CountingEnv(length=7)
    env = wrappers.ActionRepeat(base, 3)
    env.reset()
    assert int(env.step(np.array([0.5])).observation) == 3
    assert int(env.step(np.array([-0.5])).observation) == 6
    last = env.step(np.array([0.1]))
    assert last.last() and int(last.observation) == 7  # Cut short by the episode end.
    np.testing.assert_array_equal(np.concatenate(base.actions), [0.5] * 3 + [-0.5] * 3 + [0.1])
    assert env.simulation == "sim" and env.action_spec() == base.action_spec()
    assert decisions.with_decision_period(base, 1) is base
    with pytest.raises(ValueError, match="decision period"):
        wrappers.ActionRepeat(base, 0)


def test_scripted_phase_timeouts_count_control_steps():
    env = rgb_stacking_env.make(object_set="1", observation_set="state", seed=0, episode_length=100)
    first = env.reset()
    policies = {p: NoisyPickPlace(0.0, 0.0, np.random.default_rng(0), decision_period=p) for p in (1, 4)}
    for policy in policies.values():
        policy.reset(first.observation)
        policy.start_pick("red")
        policy._begin(Phase.CLOSE)
    # CLOSE lasts 16 control steps: 16 decisions act in it at period 1, 4 at period 4.
    calls = {}
    for period, policy in policies.items():
        calls[period] = 0
        while True:
            policy(first.observation)
            if policy.phase != Phase.CLOSE:
                break
            calls[period] += 1
    assert calls == {1: 16, 4: 4}
    with pytest.raises(ValueError, match="decision_period"):
        NoisyPickPlace(0.0, 0.0, np.random.default_rng(0), decision_period=0)


def test_scripted_pick_closes_on_the_decision_that_reaches_the_grasp_point():
    # A decision that ends a phase acts in the next one: the observation that completes the
    # descent gets the close command, never open (which a cloned policy would copy and stall on).
    env = decisions.with_decision_period(
        rgb_stacking_env.make(object_set="1", observation_set="state", seed=0, episode_length=400), 10
    )
    timestep = env.reset()
    policy = NoisyPickPlace(0.0, 0.0, np.random.default_rng(0), decision_period=10)
    policy.reset(timestep.observation)
    policy.start_pick("blue")
    phases = []
    for _ in range(25):
        before = policy.phase
        action = policy(timestep.observation)
        phases.append((before, policy.phase))
        assert (action[-1] > 0) == (policy.phase in (Phase.CLOSE, Phase.LIFT)), phases
        timestep = env.step(action)
    assert (Phase.DESCEND, Phase.CLOSE) in phases and phases[-1][1] == Phase.LIFT
    assert rgb_tasks.is_lifted(rgb_tasks.final_state_from_simulation(env.simulation), "blue")


def test_scripted_pick_grasps_again_across_the_other_faces_after_a_failed_grasp():
    # Triplet 1's red (r3) is a trapezoidal prism: fingers closed across its slanted faces squeeze
    # it out (5 of the 14 noise-free picks below before the re-grasp). A grasp that closes on
    # nothing or loses the object starts over across the other pair, as in the benchmark's policy.
    env = decisions.with_decision_period(
        rgb_stacking_env.make(object_set="1", observation_set="state", seed=0, episode_length=400), 10
    )
    lifted, grasped_again = 0, 0
    for chain in range(0, 42, 3):  # The red picks of `benchmarks/mtopt_segments.py --chains=40 --seed=0`.
        timestep = wrappers.reset(env, collection.chain_seed(0, chain))
        policy = NoisyPickPlace(0.0, 0.0, np.random.default_rng(chain), decision_period=10)
        policy.reset(timestep.observation)
        policy.start_pick("red")
        phases = []
        for _ in range(30):  # 300 control steps.
            phases.append(policy.phase)
            timestep = env.step(policy(timestep.observation))
            if rgb_tasks.is_lifted(rgb_tasks.final_state_from_simulation(env.simulation), "red"):
                lifted += 1
                break
        grasped_again += any(a == Phase.LIFT and b == Phase.APPROACH for a, b in zip(phases, phases[1:]))
    assert lifted >= 12 and grasped_again >= 2, (lifted, grasped_again)  # Measured: 14 of 14, 5 re-grasps.


def test_collection_and_evaluation_use_decision_steps(tmp_path):
    family = rgb_tasks.rgb_task_family()
    env = rgb_stacking_env.make(object_set="1", observation_set="state", seed=3, episode_length=100)
    writer = EpisodeWriter(tmp_path, family.names)
    config = collection.CollectionConfig(num_chains=1, pick_steps=12, place_steps=9, decision_period=4)
    collection.collect(env, writer, family, config, seed=1)
    writer.close()
    table = episodes.load_episodes(tmp_path, family, ("rgb30_red/abs_pose",))
    np.testing.assert_array_equal(table.lengths, [4, 4])  # ceil(12 / 4) and ceil(9 / 4) decisions, + first.

    calls = []

    def policy(observation):
        calls.append(1)
        return np.zeros(5, np.float32)

    outcomes = evaluation.evaluate_task(
        env, policy, family, "lift-red", 2, pick_steps=12, place_steps=9, decision_period=4
    )
    assert len(outcomes) == 2 and len(calls) == 2 * 3


def test_grid_strategy_skill_p_is_f_skill_with_the_grid_probabilities():
    grid = training.GridConfig(strategies=("skill_p", "orig"), p_success=1.0, p_failure=0.25)
    config = training.impersonation_config("skill_p", grid)
    assert (config.strategy, config.p_success, config.p_failure) == ("skill", 1.0, 0.25)
    assert training.impersonation_config("all", grid).strategy == "all"
    with pytest.raises(ValueError, match="strategies"):
        training.GridConfig(strategies=("skill_q",))
    with pytest.raises(ValueError, match="p_success and p_failure"):
        training.GridConfig(p_failure=1.5)
