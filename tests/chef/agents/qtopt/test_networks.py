import jax
import numpy as np

from chef.agents.qtopt import networks
from chef.agents.qtopt.config import QtOptConfig


def _observation(batch):
    rng = np.random.default_rng(0)
    return {
        "proprio": rng.normal(size=(batch, 5)).astype(np.float32),
        "cam/pixels": rng.integers(0, 255, size=(batch, 16, 16, 3), dtype=np.uint8),
        "privileged/reward_state": np.zeros((batch, 4), np.float32),
    }


def test_q_network_shapes_and_candidate_broadcast():
    config = QtOptConfig(
        observation_keys=("proprio", "cam/pixels"),
        num_tasks=3,
        torso_hidden_sizes=(32,),
        head_hidden_sizes=(32,),
        resnet_preset="small",
    )
    network = networks.make_q_network(config)
    observation, task_id = _observation(2), np.array([0, 2], np.int32)
    actions = np.random.default_rng(1).uniform(-1, 1, size=(2, 7, 4)).astype(np.float32)
    params = network.init(jax.random.PRNGKey(0), observation, actions[:, 0], task_id)
    single = network.apply(params, observation, actions[:, 3], task_id)  # [B]
    candidates = network.apply(params, observation, actions, task_id)  # [B, N]
    assert single.shape == (2,) and candidates.shape == (2, 7)
    np.testing.assert_allclose(candidates[:, 3], single, rtol=1e-5, atol=1e-6)
    q = networks.q_values(network, params, observation, actions, task_id)
    assert np.all((q > 0) & (q < 1))
    other_task = network.apply(params, observation, actions[:, 3], np.array([1, 1], np.int32))
    assert np.all(np.abs(other_task - single) > 0)  # The task id changes the value.


def test_actions_enter_rescaled_from_the_action_box_to_unit_range():
    config = QtOptConfig(observation_keys=("proprio",), num_tasks=2, torso_hidden_sizes=(16,), head_hidden_sizes=(16,))
    low, high = np.array([-0.07, 0.0], np.float32), np.array([0.07, 2.0], np.float32)
    boxed, unit = networks.make_q_network(config, low, high), networks.make_q_network(config)
    observation, task_id = {"proprio": _observation(3)["proprio"]}, np.array([0, 1, 1], np.int32)
    params = unit.init(jax.random.PRNGKey(0), observation, np.zeros((3, 2), np.float32), task_id)
    raw = np.array([[-0.07, 0.0], [0.0, 1.0], [0.07, 2.0]], np.float32)  # [B, A] in the box
    scaled = np.array([[-1.0, -1.0], [0.0, 0.0], [1.0, 1.0]], np.float32)
    np.testing.assert_allclose(
        boxed.apply(params, observation, raw, task_id),
        unit.apply(params, observation, scaled, task_id),
        rtol=1e-5,
        atol=1e-6,
    )
    assert not np.allclose(
        unit.apply(params, observation, raw, task_id), unit.apply(params, observation, scaled, task_id)
    )
