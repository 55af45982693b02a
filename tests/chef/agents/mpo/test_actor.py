import dm_env
import jax
import numpy as np
import pytest

from chef.agents import mpo
from chef.networks import multitask

KEYS = ("position", "velocity")


def _actor(evaluation: bool, task: int = 0, adder=None, init_scale: float = 0.7):
    config = multitask.NetworkConfig(
        observation_keys=KEYS, torso_hidden_sizes=(8,), head_hidden_sizes=(8,), init_scale=init_scale
    )
    policy, _ = multitask.make_networks(config, num_tasks=3, action_dim=2)
    observation = multitask.example_observation({"position": (2,), "velocity": (2,)}, KEYS)
    params = policy.init(jax.random.PRNGKey(1), observation)
    # Give each head a clearly different mean: shift the heads' output bias.
    bias = params["params"]["heads"]["tasks"]["Dense_0"]["bias"]  # [T, A]
    params["params"]["heads"]["tasks"]["Dense_0"]["bias"] = bias + np.array([[-0.5, 0.5], [0.3, 0.1], [2.0, -2.0]])
    source = mpo.StaticVariableSource({"policy": params})
    return mpo.MPOActor(policy, source, task, evaluation, seed=0, adder=adder), policy, params


OBSERVATION = {
    "position": np.array([0.1, -0.2], np.float32),
    "velocity": np.zeros(2, np.float32),
    "privileged/reward_state": np.zeros(3, np.float32),
}


def test_evaluation_returns_the_clipped_mean_of_the_selected_head():
    actor, policy, params = _actor(evaluation=True)
    mean, _ = policy.apply(params, {k: OBSERVATION[k][None] for k in KEYS})  # [1, T, A]
    for task in range(3):
        actor.set_task(task)
        np.testing.assert_allclose(actor.select_action(OBSERVATION), np.clip(mean[0, task], -1, 1), atol=1e-6)
    np.testing.assert_allclose(actor.select_action(OBSERVATION), [1.0, -1.0])  # Head 2 is clipped.


def test_collection_samples_around_the_mean_within_bounds():
    actor, policy, params = _actor(evaluation=False, task=1, init_scale=0.1)
    mean, stddev = policy.apply(params, {k: OBSERVATION[k][None] for k in KEYS})
    actions = np.stack([actor.select_action(OBSERVATION) for _ in range(200)])
    assert (np.abs(actions) <= 1).all()
    assert len(np.unique(actions[:, 0])) == 200  # Fresh noise every call.
    np.testing.assert_allclose(actions.mean(0), mean[0, 1], atol=0.03)
    np.testing.assert_allclose(actions.std(0), stddev[0, 1], rtol=0.2)


def test_invalid_task_is_refused_and_adder_sees_the_episode():
    class RecordingAdder:
        def __init__(self):
            self.calls = []

        def add_first(self, timestep):
            self.calls.append(("first", timestep.step_type))

        def add(self, action, next_timestep):
            self.calls.append(("add", next_timestep.step_type))

    adder = RecordingAdder()
    actor, _, _ = _actor(evaluation=True, adder=adder)
    with pytest.raises(ValueError, match="out of range"):
        actor.set_task(3)
    actor.observe_first(dm_env.restart(OBSERVATION))
    actor.observe(actor.select_action(OBSERVATION), dm_env.transition(0.0, OBSERVATION))
    assert [c[0] for c in adder.calls] == ["first", "add"]
