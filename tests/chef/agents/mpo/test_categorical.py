import jax
import jax.numpy as jnp
import numpy as np
import pytest
import rlax

from chef.agents.mpo import categorical


def test_support_is_evenly_spaced():
    np.testing.assert_allclose(categorical.make_support(0.0, 4.0, 5), [0, 1, 2, 3, 4])
    with pytest.raises(ValueError, match="v_max > v_min"):
        categorical.make_support(1.0, 1.0, 5)


def test_projection_hand_computed():
    support = categorical.make_support(0.0, 4.0, 5)
    # 1.25 splits 75/25 between atoms 1 and 2; 5.0 is clipped onto 4; -3 onto 0.
    atoms = jnp.array([1.25, 5.0, -3.0])
    probs = jnp.array([0.4, 0.5, 0.1])
    np.testing.assert_allclose(categorical.project(atoms, probs, support), [0.1, 0.3, 0.1, 0.0, 0.5], atol=1e-6)


def test_projection_matches_rlax_and_sums_to_one():
    rng = np.random.default_rng(0)
    support = categorical.make_support(-2.0, 10.0, 51)
    atoms = jnp.asarray(rng.uniform(-5, 15, (4, 3, 51)), jnp.float32)  # [B, T, K]
    probs = jax.nn.softmax(jnp.asarray(rng.normal(size=(4, 3, 51)), jnp.float32))
    projected = categorical.project(atoms, probs, support)
    expected = jax.vmap(rlax.categorical_l2_project, in_axes=(0, 0, None))(
        atoms.reshape(-1, 51), probs.reshape(-1, 51), support
    ).reshape(4, 3, 51)
    np.testing.assert_allclose(projected, expected, atol=1e-6)
    np.testing.assert_allclose(projected.sum(-1), 1.0, atol=1e-5)
    assert (projected >= 0).all()


def test_n_step_target_terminal_is_reward_and_bootstrap_shifts():
    support = categorical.make_support(0.0, 10.0, 11)
    next_probs = jnp.zeros((2, 2, 11)).at[:, :, 3].set(1.0)  # Z(s') = 3 surely. [B, T, K]
    reward = jnp.array([[1.0, 2.5], [1.0, 2.5]])  # [B, T]
    discount = jnp.array([0.0, 0.5])  # Terminal, then bootstrap with 0.5.
    target = categorical.n_step_target(reward, discount, next_probs, support)
    np.testing.assert_allclose(target[0, 0], np.eye(11)[1], atol=1e-6)  # r = 1.
    np.testing.assert_allclose(target[0, 1, 2:4], [0.5, 0.5], atol=1e-6)  # r = 2.5.
    np.testing.assert_allclose(target[1, 0], np.eye(11)[2] * 0.5 + np.eye(11)[3] * 0.5, atol=1e-6)  # 1 + 1.5.
    np.testing.assert_allclose(target[1, 1], np.eye(11)[4], atol=1e-6)  # 2.5 + 1.5.


def test_cross_entropy_loss_hand_computed_and_mean_value():
    logits = jnp.log(jnp.array([[[0.5, 0.25, 0.25]]]))  # [B=1, T=1, K=3]
    target = jnp.array([[[0.0, 1.0, 0.0]]])
    np.testing.assert_allclose(categorical.cross_entropy_loss(logits, target), [np.log(4.0)], rtol=1e-6)
    probs = jax.nn.softmax(logits)
    np.testing.assert_allclose(categorical.mean_value(probs, jnp.array([0.0, 4.0, 8.0])), [[3.0]], rtol=1e-6)
