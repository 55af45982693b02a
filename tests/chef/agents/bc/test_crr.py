import jax
import numpy as np
import pytest

from chef import types
from chef.agents.bc import CRRConfig, CRRLearner, crr_weights
from chef.networks import multitask
from chef.utils.config import ConfigError

GOOD_ACTIONS = np.array([0.6, -0.6], np.float32)  # Best action of task 0 and task 1.


def test_crr_weights_hand_computed():
    q_data = np.array([[1.0, 0.0]])  # [B=1, T=2]
    q_samples = np.array([[[0.0, 1.0]], [[1.0, 0.0]]])  # [N=2, B=1, T=2]: baselines 0.5, 0.5.
    np.testing.assert_allclose(crr_weights(q_data, q_samples, "exp", 0.5, 20.0), [[np.e, 1 / np.e]], rtol=1e-6)
    np.testing.assert_allclose(crr_weights(q_data, q_samples, "exp", 0.01, 20.0), [[20.0, np.exp(-50)]], rtol=1e-5)
    np.testing.assert_array_equal(crr_weights(q_data, q_samples, "binary", 1.0, 20.0), [[1.0, 0.0]])
    with pytest.raises(ConfigError, match="weighting"):
        CRRConfig(network=multitask.NetworkConfig(observation_keys=("x",)), weighting="linear")


def _bandit_batches(batch_size=64, seed=0):
    """One-step bandit: uniform dataset actions, task k rewards closeness to GOOD_ACTIONS[k]."""
    rng = np.random.default_rng(seed)
    while True:
        observation = {"x": rng.normal(size=(batch_size, 2)).astype(np.float32)}
        action = rng.uniform(-1, 1, (batch_size, 1)).astype(np.float32)
        reward = 1.0 - np.abs(action - GOOD_ACTIONS[None, :])  # [B, 2]
        yield types.Transition(
            observation, action, reward.astype(np.float32), np.zeros(batch_size, np.float32), observation
        )


def test_crr_heads_prefer_their_tasks_best_actions_over_the_data_mean():
    network = multitask.NetworkConfig(
        observation_keys=("x",), torso_hidden_sizes=(32,), head_hidden_sizes=(32,), num_atoms=11
    )
    config = CRRConfig(
        network=network,
        policy_learning_rate=3e-3,
        critic_learning_rate=3e-3,
        beta=0.1,
        target_update_period=10,
        v_min=0.0,
        v_max=1.0,
    )
    networks = multitask.make_networks(network, num_tasks=2, action_dim=1)
    learner = CRRLearner(
        networks,
        config,
        ("right", "left"),
        {"x": np.zeros((1, 2), np.float32)},
        1,
        _bandit_batches(),
        jax.random.PRNGKey(0),
    )
    for _ in range(400):
        metrics = learner.step()
    assert np.isfinite(list(metrics.values())).all()
    observation = {"x": np.random.default_rng(1).normal(size=(32, 2)).astype(np.float32)}
    mean, _ = networks[0].apply(learner.get_variables(["policy"])[0], observation)  # [32, 2, 1]
    head_means = mean[:, :, 0].mean(axis=0)
    # Plain BC would put both heads at the data mean, 0.
    assert head_means[0] > 0.3 and head_means[1] < -0.3, head_means
