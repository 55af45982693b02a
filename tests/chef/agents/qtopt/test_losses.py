import jax
import numpy as np

from chef.agents.qtopt import losses


def test_clipped_double_q_target_uses_the_smaller_estimate_and_clips():
    reward = np.array([0.0, 1.0, 0.0, 1.0], np.float32)
    discount = np.array([0.9, 0.0, 0.0, 0.9], np.float32)
    q1 = np.array([0.8, 0.5, 0.7, 0.6], np.float32)
    q2 = np.array([0.6, 0.9, 0.2, 0.9], np.float32)
    target = losses.clipped_double_q_target(reward, discount, q1, q2)
    np.testing.assert_allclose(target, [0.54, 1.0, 0.0, 1.0], rtol=1e-6)  # 1 + 0.54 clipped to 1.


def test_qtopt_loss_is_the_sigmoid_cross_entropy():
    logits = np.array([0.0, np.log(3.0), -np.log(3.0)], np.float32)  # Q = 0.5, 0.75, 0.25
    target = np.array([0.3, 1.0, 0.0], np.float32)
    expected = [np.log(2.0), -np.log(0.75), -np.log(0.75)]
    np.testing.assert_allclose(losses.qtopt_loss(logits, target), expected, rtol=1e-5)


def test_qtopt_loss_gradient_is_q_minus_target_and_ignores_the_target():
    logits = np.array([0.0, np.log(3.0)], np.float32)
    target = np.array([0.3, 1.0], np.float32)
    grad_logits, grad_target = jax.grad(lambda logit, t: losses.qtopt_loss(logit, t).sum(), argnums=(0, 1))(
        logits, target
    )
    np.testing.assert_allclose(grad_logits, [0.5 - 0.3, 0.75 - 1.0], rtol=1e-5)
    np.testing.assert_allclose(grad_target, [0.0, 0.0])


def test_conservative_penalty_is_mean_sampled_q_minus_data_q():
    data = np.array([0.9, 0.2], np.float32)
    sampled = np.array([[0.9, 0.9, 0.9], [0.1, 0.2, 0.6]], np.float32)
    np.testing.assert_allclose(losses.conservative_penalty(data, sampled), [0.0, 0.1], atol=1e-6)
    grad_data, grad_sampled = jax.grad(lambda d, s: losses.conservative_penalty(d, s).sum(), argnums=(0, 1))(
        data, sampled
    )
    np.testing.assert_allclose(grad_data, [-1.0, -1.0])  # Raises Q at the data's action,
    np.testing.assert_allclose(grad_sampled, np.full((2, 3), 1 / 3), rtol=1e-6)  # lowers it elsewhere.
    bounds = losses.conservative_penalty(np.array([1.0, 0.0]), np.array([[0.0], [1.0]]))
    np.testing.assert_allclose(bounds, [-1.0, 1.0])  # Bounded: it cannot diverge.
