import jax
import jax.numpy as jnp
import numpy as np
import optax

from chef.agents.mpo import losses

HP = losses.MPOHyperParams(
    epsilon=0.1,
    epsilon_mean=0.0025,
    epsilon_stddev=1e-6,
    epsilon_penalty=0.001,
    per_dim_constraining=True,
    action_penalization=True,
)


def _duals(num_tasks: int, action_dim: int, log_alpha: float = 10.0) -> losses.DualParams:
    return losses.DualParams(
        jnp.full((num_tasks,), 1.0),
        jnp.full((num_tasks, action_dim), log_alpha),
        jnp.full((num_tasks, action_dim), log_alpha),
        jnp.full((num_tasks,), 1.0),
    )


def test_weights_and_temperature_loss_hand_computed():
    q = jnp.array([0.0, 1.0, 2.0])[:, None, None]  # [N=3, B=1, T=1]
    eta = jnp.array([2.0])
    weights, loss = losses.weights_and_temperature_loss(q, 0.1, eta)
    expected_w = np.exp([0.0, 0.5, 1.0]) / np.exp([0.0, 0.5, 1.0]).sum()
    np.testing.assert_allclose(weights[:, 0, 0], expected_w, rtol=1e-6)
    expected_loss = 2.0 * (0.1 + np.log(np.mean(np.exp([0.0, 0.5, 1.0]))))
    np.testing.assert_allclose(loss, [expected_loss], rtol=1e-6)
    # d/d eta of the dual: epsilon + log mean exp(Q/eta) - E_w[Q] / eta.
    grad = jax.grad(lambda e: losses.weights_and_temperature_loss(q, 0.1, e)[1].sum())(eta)
    np.testing.assert_allclose(
        grad, [0.1 + np.log(np.mean(np.exp([0, 0.5, 1]))) - expected_w @ [0, 1, 2] / 2.0], rtol=1e-5
    )


def test_weights_are_per_task():
    q = jnp.array([[[0.0, 5.0]], [[5.0, 0.0]]])  # [N=2, B=1, T=2]: the tasks prefer different samples.
    weights, _ = losses.weights_and_temperature_loss(q, 0.1, jnp.array([1.0, 1.0]))
    assert weights[1, 0, 0] > 0.99 and weights[0, 0, 1] > 0.99


def test_kl_penalty_and_dual_loss_hand_computed():
    kl = jnp.array([[0.1, 0.3], [0.3, 0.5]])  # [B=2, T=2]
    alpha = jnp.array([2.0, 3.0])
    penalty, dual = losses.kl_penalty_and_dual_loss(kl, alpha, 0.25)
    np.testing.assert_allclose(penalty, [2.0 * 0.2, 3.0 * 0.4], rtol=1e-6)
    np.testing.assert_allclose(dual, [2.0 * 0.05, 3.0 * -0.15], rtol=1e-5)
    # Per-dimension: [B, T, A] with alphas [T, A], summed over A.
    penalty, _ = losses.kl_penalty_and_dual_loss(jnp.ones((2, 1, 3)), jnp.array([[1.0, 2.0, 3.0]]), 0.1)
    np.testing.assert_allclose(penalty, [6.0])


def test_action_penalty_cost():
    actions = jnp.array([[0.5, -0.5], [2.0, 0.0], [-4.0, 5.0]])
    np.testing.assert_allclose(losses.action_penalty_cost(actions), [0.0, -1.0, -5.0], rtol=1e-6)


def test_clip_duals():
    clipped = losses.clip_duals(_duals(1, 1, log_alpha=-50.0))
    np.testing.assert_allclose(clipped.log_alpha_mean, [[losses.MIN_LOG_DUAL]])
    np.testing.assert_allclose(clipped.log_temperature, [1.0])


def _random_problem(seed: int, num_tasks: int = 2, action_dim: int = 3):
    rng = np.random.default_rng(seed)
    mean = jnp.asarray(rng.uniform(-0.5, 0.5, (8, num_tasks, action_dim)), jnp.float32)  # [B, T, A]
    stddev = jnp.full_like(mean, 0.5)
    actions = mean + stddev * jnp.asarray(rng.normal(size=(16, *mean.shape)), jnp.float32)  # [N, B, T, A]
    q = -jnp.sum(jnp.square(actions - 0.8), axis=-1)  # [N, B, T]: every task prefers a = 0.8.
    return mean, stddev, actions, q


def test_mpo_loss_at_target_has_zero_kl_and_shapes():
    mean, stddev, actions, q = _random_problem(0)
    policy_loss, dual_loss, stats = losses.mpo_loss(mean, stddev, mean, stddev, actions, q, _duals(2, 3), HP)
    assert policy_loss.shape == dual_loss.shape == (2,)
    np.testing.assert_allclose(stats["kl_mean"], 0.0, atol=1e-7)
    np.testing.assert_allclose(stats["kl_stddev"], 0.0, atol=1e-7)
    assert (stats["kl_nonparametric"] > 0).all()


def _solve_m_step(
    epsilon_mean: float, steps: int = 300, per_dim_epsilon: str = "divided"
) -> tuple[np.ndarray, np.ndarray]:
    """Optimises mean/log-stddev and duals on fixed samples (Q prefers a = 0.8);
    returns (mean |shift| of the policy mean, final mean-KL [T], summed over the 3 dimensions)."""
    target_mean, target_stddev, actions, q = _random_problem(1)
    hp = HP._replace(epsilon_mean=epsilon_mean, epsilon_stddev=epsilon_mean * 1e-3, per_dim_epsilon=per_dim_epsilon)
    params = (target_mean, jnp.log(target_stddev), _duals(2, 3, log_alpha=0.0))
    optimiser = optax.multi_transform(
        {"policy": optax.adam(1e-2), "duals": optax.adam(5e-2)}, ("policy", "policy", "duals")
    )

    def loss(params):
        mean, log_std, duals = params
        p, d, stats = losses.mpo_loss(mean, jnp.exp(log_std), target_mean, target_stddev, actions, q, duals, hp)
        return (p + d).sum(), stats

    @jax.jit
    def step(params, opt_state):
        grads, stats = jax.grad(loss, has_aux=True)(params)
        updates, opt_state = optimiser.update(grads, opt_state)
        mean, log_std, duals = optax.apply_updates(params, updates)
        return (mean, log_std, losses.clip_duals(duals)), opt_state, stats

    opt_state = optimiser.init(params)
    for _ in range(steps):
        params, opt_state, stats = step(params, opt_state)
    return float(np.mean(np.abs(params[0] - target_mean))), np.asarray(stats["kl_mean"])


def test_tiny_epsilon_keeps_the_policy_in_place_large_epsilon_moves_it():
    moved_tight, kl_tight = _solve_m_step(epsilon_mean=1e-6)
    moved_loose, kl_loose = _solve_m_step(epsilon_mean=1.0)
    assert moved_tight < 0.03, moved_tight
    assert (kl_tight < 0.01).all(), kl_tight
    assert moved_loose > 0.06 and moved_loose > 3 * moved_tight, (moved_loose, moved_tight)
    assert (kl_loose > 10 * kl_tight).all(), (kl_loose, kl_tight)


def test_per_dimension_bound_is_epsilon_over_a_or_epsilon_per_dimension():
    epsilon = 0.003  # Tight enough that the trust region, not Q, stops the mean. A = 3.
    _, kl_divided = _solve_m_step(epsilon, steps=600, per_dim_epsilon="divided")
    _, kl_full = _solve_m_step(epsilon, steps=600, per_dim_epsilon="full")
    assert (kl_divided < 1.5 * epsilon).all(), kl_divided  # The total over dimensions is epsilon.
    assert (kl_full > 2.0 * epsilon).all() and (kl_full < 4.5 * epsilon).all(), kl_full  # About 3 epsilon.


def test_action_penalty_pulls_an_out_of_bounds_mean_inside():
    mean = jnp.full((4, 1, 1), 1.5)  # [B, T=1, A=1], outside [-1, 1].
    stddev = jnp.full_like(mean, 0.3)
    actions = mean + stddev * jax.random.normal(jax.random.PRNGKey(0), (32, 4, 1, 1))
    q = jnp.zeros((32, 4, 1))  # The critic is indifferent.

    def mean_gradient(action_penalization: bool) -> float:
        hp = HP._replace(action_penalization=action_penalization, per_dim_constraining=False)
        duals = losses.DualParams(jnp.ones(1), jnp.ones(1), jnp.ones(1), jnp.ones(1))
        loss = lambda m: losses.mpo_loss(m, stddev, mean, stddev, actions, q, duals, hp)[0].sum()  # noqa: E731
        return float(jax.grad(loss)(mean).sum())

    assert mean_gradient(True) > 0.1  # Gradient descent moves the mean down, towards the box.
    assert mean_gradient(True) > mean_gradient(False) + 0.1


def test_demonstration_loss_hand_computed_and_masked():
    mean = jnp.array([[[0.0, 1.0]], [[5.0, 5.0]]])  # [B=2, T=1, A=2]
    stddev = jnp.array([[[1.0, 2.0]], [[1.0, 1.0]]])
    actions = jnp.array([[1.0, 1.0], [0.0, 0.0]])
    loss = losses.demonstration_loss(mean, stddev, actions, jnp.array([1.0, 0.0]))  # Only example 0.
    expected = 0.5 * 1.0 + 0.5 * np.log(2 * np.pi) + (0.5 * np.log(2 * np.pi) + np.log(2.0))
    np.testing.assert_allclose(loss, [expected], rtol=1e-6)
    np.testing.assert_allclose(losses.demonstration_loss(mean, stddev, actions, jnp.zeros(2)), [0.0])


def test_demonstration_loss_moves_the_mean_not_the_stddev():
    mean, stddev = jnp.zeros((3, 2, 1)), jnp.ones((3, 2, 1))
    grad_mean, grad_stddev = jax.grad(
        lambda m, s: losses.demonstration_loss(m, s, jnp.ones((3, 1)), jnp.array([1.0, 1.0, 0.0])).sum(), argnums=(0, 1)
    )(mean, stddev)
    assert np.all(grad_mean[:2] < 0) and np.all(grad_mean[2] == 0)  # Descent raises the mean towards 1.
    np.testing.assert_array_equal(grad_stddev, 0.0)
