import jax
import jax.numpy as jnp
import numpy as np
import pytest

from chef import types
from chef.agents.bc import BCConfig, BCLearner, negative_log_likelihood
from chef.networks import multitask

KEYS = ("position",)
TASKS = ("reach", "lift", "stack")
EXAMPLE = {"position": np.zeros((1, 2), np.float32)}  # [1, 2]
EXPERT = np.array([[0.5, -0.3], [-0.2, 0.8]], np.float32)  # action = tanh(position @ EXPERT)


def test_negative_log_likelihood_hand_computed():
    mean = jnp.array([[[0.0], [1.0]]])  # [B=1, T=2, A=1]
    stddev = jnp.array([[[1.0], [2.0]]])
    nll = negative_log_likelihood(mean, stddev, jnp.array([[1.0]]))
    np.testing.assert_allclose(nll, [0.5 * np.log(2 * np.pi) + 0.5, 0.5 * np.log(2 * np.pi) + np.log(2.0)], rtol=1e-6)


def _expert_batches(batch_size=64, seed=0):
    rng = np.random.default_rng(seed)
    while True:
        position = rng.uniform(-1, 1, (batch_size, 2)).astype(np.float32)
        yield types.Transition(
            {"position": position},
            np.tanh(position @ EXPERT),
            np.zeros((batch_size, 3)),
            np.ones(batch_size),
            {"position": position},
        )


def test_bc_heads_imitate_the_expert():
    network = multitask.NetworkConfig(observation_keys=KEYS, torso_hidden_sizes=(32,), head_hidden_sizes=(32,))
    config = BCConfig(network=network, tasks=("lift", "stack"), learning_rate=3e-3)
    policy, _ = multitask.make_networks(network, num_tasks=2, action_dim=2)
    learner = BCLearner(policy, config, TASKS, EXAMPLE, _expert_batches(), jax.random.PRNGKey(0))
    first = learner.step()
    for _ in range(400):
        metrics = learner.step()
    assert set(metrics) == {"nll/lift", "nll/stack", "mse/lift", "mse/stack", "steps"}
    for task in ("lift", "stack"):
        assert metrics[f"mse/{task}"] < 0.05 * first[f"mse/{task}"], (metrics, first)
        assert metrics[f"nll/{task}"] < first[f"nll/{task}"] - 1.0
    position = np.array([[0.4, -0.6]], np.float32)
    mean, _ = policy.apply(learner.get_variables(["policy"])[0], {"position": position})
    np.testing.assert_allclose(mean[0], np.tile(np.tanh(position @ EXPERT), (2, 1)), atol=0.1)


def test_bc_refuses_mismatched_heads_and_unknown_tasks():
    network = multitask.NetworkConfig(observation_keys=KEYS)
    policy, _ = multitask.make_networks(network, num_tasks=2, action_dim=2)
    with pytest.raises(ValueError, match="2 heads but 3 tasks"):
        BCLearner(policy, BCConfig(network=network), TASKS, EXAMPLE, _expert_batches(), jax.random.PRNGKey(0))
    with pytest.raises(ValueError, match="unknown tasks"):
        BCLearner(
            policy, BCConfig(network=network, tasks=("fly",)), TASKS, EXAMPLE, _expert_batches(), jax.random.PRNGKey(0)
        )
