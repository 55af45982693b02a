import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from chef.agents.qtopt import cem
from chef.agents.qtopt.config import CemConfig
from chef.utils.config import ConfigError

OPTIMA = np.array([[0.3, -0.5, 0.0], [-0.8, 0.8, 0.5], [0.0, 0.0, 0.0], [0.9, 0.1, -0.9]], np.float32)


def _negative_quadratic(actions):  # [B, N, A] -> [B, N]
    return -jnp.sum((actions - OPTIMA[:, None]) ** 2, axis=-1)


def test_cem_finds_the_maximum_of_each_row():
    config = CemConfig(num_samples=64, num_elites=6, num_iterations=3)
    maximize = jax.jit(
        functools.partial(
            cem.cem_maximize,
            _negative_quadratic,
            batch_size=4,
            action_min=-np.ones(3),
            action_max=np.ones(3),
            config=config,
        )
    )
    action, score = maximize(jax.random.PRNGKey(0))
    np.testing.assert_allclose(action, OPTIMA, atol=0.12)
    np.testing.assert_allclose(score, _negative_quadratic(action[:, None])[:, 0], atol=1e-6)
    assert np.all(score > -0.03)


def test_more_iterations_get_closer():
    errors = []
    for iterations in (1, 3):
        config = CemConfig(num_iterations=iterations)
        action, _ = cem.cem_maximize(_negative_quadratic, jax.random.PRNGKey(1), 4, -np.ones(3), np.ones(3), config)
        errors.append(float(np.abs(action - OPTIMA).max()))
    assert errors[1] < errors[0]


def test_actions_stay_in_the_box():
    action_min, action_max = np.array([-0.2, 0.0]), np.array([0.2, 0.5])
    action, _ = cem.cem_maximize(
        lambda a: a.sum(-1), jax.random.PRNGKey(2), 3, action_min, action_max, CemConfig(num_iterations=3)
    )
    assert np.all(action >= action_min) and np.all(action <= action_max)
    np.testing.assert_allclose(action, np.broadcast_to(action_max, (3, 2)), atol=0.02)  # Corner maximiser.


def test_config_validation():
    with pytest.raises(ConfigError, match="num_elites"):
        CemConfig(num_samples=4, num_elites=6)


def test_binary_dimensions_are_scored_only_at_their_bounds():
    action_min, action_max = np.array([-1.0, 0.0]), np.array([1.0, 255.0])
    seen = []

    def score(actions):  # Best at a gripper value of 100, which a switch cannot take.
        seen.append(actions[..., 1])
        return -((actions[..., 0] - 0.5) ** 2) - ((actions[..., 1] - 100.0) / 255.0) ** 2

    config = CemConfig(num_samples=64, num_elites=6, num_iterations=3, binary_dims=(1,))
    action, _ = cem.cem_maximize(score, jax.random.PRNGKey(3), 2, action_min, action_max, config)
    assert set(np.unique(np.concatenate([np.ravel(s) for s in seen]))) <= {0.0, 255.0}
    np.testing.assert_allclose(action[:, 1], 0.0)  # The closer bound to 100.
    np.testing.assert_allclose(action[:, 0], 0.5, atol=0.1)  # Continuous dimensions as before.


def test_snap_binary_and_its_validation():
    snapped = cem.snap_binary(np.array([[0.2, 0.2], [-0.3, -0.3]]), -np.ones(2), np.ones(2), binary_dims=(0,))
    np.testing.assert_allclose(snapped, [[1.0, 0.2], [-1.0, -0.3]])
    with pytest.raises(ConfigError, match="binary_dims"):
        CemConfig(binary_dims=(1, 1))
