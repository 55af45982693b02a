"""MPOBuilder: networks, a learner ready before any data, and actors, from the typed config and specs."""

import jax
import numpy as np
import pytest

from chef import types
from chef.agents.mpo import MPOConfig, StaticVariableSource, learning
from chef.agents.mpo import builder as builder_lib
from chef.networks import multitask

TASKS = ("a", "b", "c")
ACTION_DIM = 2
NETWORK = multitask.NetworkConfig(observation_keys=("x",), torso_hidden_sizes=(8,), head_hidden_sizes=(8,), num_atoms=5)
EXAMPLE = {"x": np.zeros((1, 3), np.float32)}  # [1, 3]


class UnreadUntilStep:
    """Batches [4, ...] that refuse to be read before `allow()`."""

    def __init__(self):
        self.allowed = False
        self.reads = 0

    def __iter__(self):
        return self

    def __next__(self) -> types.Transition:
        if not self.allowed:
            raise AssertionError("the iterator was read before step()")
        self.reads += 1
        rng = np.random.default_rng(self.reads)
        observation = {"x": rng.normal(size=(4, 3)).astype(np.float32)}
        return types.Transition(
            observation,
            rng.uniform(-1, 1, (4, ACTION_DIM)).astype(np.float32),
            rng.uniform(size=(4, len(TASKS))).astype(np.float32),
            np.full(4, 0.9, np.float32),
            observation,
        )


def _builder(tasks=("c", "a")) -> builder_lib.MPOBuilder:
    config = MPOConfig(network=NETWORK, tasks=tasks, num_samples=2, v_max=10.0)
    return builder_lib.MPOBuilder(config, config.task_layout(TASKS), EXAMPLE, ACTION_DIM)


def test_learner_is_ready_before_its_iterator_is_read():
    builder = _builder()
    iterator = UnreadUntilStep()
    networks = builder.make_networks()
    learner = builder.make_learner(networks, iterator, jax.random.PRNGKey(3))
    expected = learning.init_training_state(*networks, builder.config, EXAMPLE, ACTION_DIM, jax.random.PRNGKey(3))
    for a, b in zip(jax.tree_util.tree_leaves(learner.save()), jax.tree_util.tree_leaves(expected)):
        np.testing.assert_array_equal(a, b)
    learner.restore(expected)  # What a resumed learner does before any data.
    iterator.allowed = True
    metrics = learner.step()
    assert iterator.reads == 1 and metrics["steps"] == 1
    assert {"critic_loss/c", "critic_loss/a"} <= set(metrics)  # Heads named in head order.


def test_heads_map_to_their_reward_columns():
    builder = _builder()
    assert builder.tasks.heads == ("c", "a") and builder.tasks.reward_columns == (2, 0)
    policy, critic = builder.make_networks()
    assert policy.num_tasks == critic.num_tasks == 2


def test_actor_acts_with_the_chosen_head_of_the_initial_policy():
    builder = _builder()
    policy, _ = builder.make_networks()
    params = builder.init_policy_params(policy)
    actor = builder.make_actor(policy, StaticVariableSource({"policy": params}), task=1, evaluation=True)
    action = actor.select_action({"x": np.ones(3, np.float32)})
    mean, _ = policy.apply(params, {"x": np.ones((1, 3), np.float32)})  # [1, T, A]
    np.testing.assert_allclose(action, np.clip(mean[0, 1], -1, 1), rtol=1e-5)


def test_unknown_heads_are_refused():
    with pytest.raises(ValueError, match="unknown tasks"):
        _builder(tasks=("z",))
