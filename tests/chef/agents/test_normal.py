import distrax
import jax
import numpy as np

from chef.agents import normal


def _draws(seed: int, shape=(4, 3, 5)):
    keys = jax.random.split(jax.random.PRNGKey(seed), 5)
    means = [jax.random.normal(k, shape) for k in keys[:2]]
    stddevs = [jax.random.uniform(k, shape, minval=0.05, maxval=2.0) for k in keys[2:4]]
    return means, stddevs, jax.random.normal(keys[4], shape) * 2.0


def test_log_prob_and_kl_equal_distrax():
    (mean_p, mean_q), (stddev_p, stddev_q), x = _draws(0)
    p, q = distrax.Normal(mean_p, stddev_p), distrax.Normal(mean_q, stddev_q)
    np.testing.assert_allclose(normal.log_prob(x, mean_p, stddev_p), p.log_prob(x), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        normal.kl_divergence(mean_p, stddev_p, mean_q, stddev_q), p.kl_divergence(q), rtol=1e-4, atol=1e-6
    )


def test_kl_is_zero_at_equality_and_has_distraxs_gradients():
    (mean_p, mean_q), (stddev_p, stddev_q), _ = _draws(1)
    np.testing.assert_allclose(normal.kl_divergence(mean_p, stddev_p, mean_p, stddev_p), 0.0, atol=1e-6)

    def ours(m, s):
        return normal.kl_divergence(mean_p, stddev_p, m, s).sum()

    def theirs(m, s):
        return distrax.Normal(mean_p, stddev_p).kl_divergence(distrax.Normal(m, s)).sum()

    for got, want in zip(jax.grad(ours, (0, 1))(mean_q, stddev_q), jax.grad(theirs, (0, 1))(mean_q, stddev_q)):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
