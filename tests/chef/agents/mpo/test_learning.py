import itertools

import jax
import numpy as np
import pytest

from chef import types
from chef.agents import mpo
from chef.agents.mpo import learning
from chef.networks import multitask
from chef.task_layout import TaskLayout
from chef.utils.config import ConfigError, from_config

TASKS = ("t0", "t1", "t2", "t3", "t4", "t5")
TASK_REWARDS = np.array([0.0, 2.0, 5.0, 8.0, 1.0, 3.0], np.float32)
KEYS = ("arm/pose", "wrist/force")
ACTION_DIM = 2
EXAMPLE = {"arm/pose": np.zeros((1, 3, 2), np.float32), "wrist/force": np.zeros((1, 3), np.float32)}  # [1, ...]


def _batches(batch_size: int = 16, seed: int = 0, discount: float = 0.0):
    rng = np.random.default_rng(seed)
    while True:

        def observation():
            return {
                "arm/pose": rng.normal(size=(batch_size, 3, 2)).astype(np.float32),
                "wrist/force": rng.normal(size=(batch_size, 3)).astype(np.float32),
                "privileged/reward_state": np.zeros((batch_size, 4), np.float32),
            }

        yield types.Transition(
            observation(),
            rng.uniform(-1, 1, (batch_size, ACTION_DIM)).astype(np.float32),
            np.tile(TASK_REWARDS, (batch_size, 1)),
            np.full((batch_size,), discount, np.float32),
            observation(),
            extras={"ignored": np.zeros(batch_size)},
        )


NETWORK = multitask.NetworkConfig(
    observation_keys=KEYS, torso_hidden_sizes=(16,), head_hidden_sizes=(16,), num_atoms=11
)


def _learner(tasks=(), iterator=None, **overrides) -> mpo.MPOLearner:
    network = NETWORK
    config = mpo.MPOConfig(network=network, tasks=tasks, num_samples=4, v_min=0.0, v_max=10.0, **overrides)
    num_tasks = len(tasks) or len(TASKS)
    return mpo.MPOLearner(
        multitask.make_networks(network, num_tasks, ACTION_DIM),
        config,
        config.task_layout(TASKS),
        EXAMPLE,
        ACTION_DIM,
        iterator or _batches(),
        jax.random.PRNGKey(0),
    )


def test_critic_heads_learn_their_own_task_values_on_a_task_subset():
    learner = _learner(tasks=("t1", "t3", "t4"), critic_learning_rate=3e-3, target_update_period=1)
    for _ in range(250):
        metrics = learner.step()
    assert learner.task_names == ("t1", "t3", "t4")
    q = [metrics[f"q_mean/{t}"] for t in ("t1", "t3", "t4")]
    np.testing.assert_allclose(q, [2.0, 8.0, 1.0], atol=0.5)
    assert "q_mean/t0" not in metrics and np.isfinite(list(metrics.values())).all()


def test_single_task_learner_reports_per_task_metrics():
    metrics = _learner(tasks=("t2",)).step()
    for name in ("critic_loss", "kl_mean", "kl_stddev", "temperature", "q_mean"):
        assert f"{name}/t2" in metrics
    assert metrics["steps"] == 1


def test_target_networks_are_copied_every_period():
    learner = _learner(target_update_period=3)
    leaves = lambda tree: np.concatenate([np.ravel(x) for x in jax.tree_util.tree_leaves(tree)])  # noqa: E731
    for step in range(1, 7):
        learner.step()
        online, target = (leaves(v) for v in learner.get_variables(["online_policy", "policy"]))
        assert np.array_equal(online, target) == (step % 3 == 0), step
        assert np.array_equal(leaves(learner.state.critic_params), leaves(learner.state.target_critic_params)) == (
            step % 3 == 0
        )


def test_checkpoint_restore_is_bit_exact(tmp_path):
    batches = list(itertools.islice(_batches(discount=0.9), 4))
    learner = _learner(iterator=iter(batches * 10))
    learner.run(2)
    mpo.save_state(tmp_path / "ckpt", learner.save())
    learner.run(3)
    after_first = jax.device_get(learner.save())

    restored = _learner(iterator=iter(batches[2:] + batches * 10))
    restored.restore(mpo.restore_state(tmp_path / "ckpt", restored.save()))
    assert int(restored.state.steps) == 2
    restored.run(3)
    after_second = jax.device_get(restored.save())
    for a, b in zip(jax.tree_util.tree_leaves(after_first), jax.tree_util.tree_leaves(after_second)):
        np.testing.assert_array_equal(a, b)


def test_get_variables_rejects_unknown_names():
    with pytest.raises(ValueError, match="unknown variables"):
        _learner().get_variables(["value"])


def test_config_validation_and_task_selection():
    network = {"observation_keys": ["arm/pose"]}
    config = from_config(mpo.MPOConfig, {"network": network, "tasks": ["t3", "t1"]})
    assert config.task_layout(TASKS) == TaskLayout(("t3", "t1"), TASKS)
    assert config.task_layout(TASKS).reward_columns == (3, 1)
    assert from_config(mpo.MPOConfig, {"network": network}).task_layout(TASKS).heads == TASKS
    assert config.network.num_atoms == 51 and config.num_samples == 20
    with pytest.raises(ValueError, match="unknown tasks"):
        config.task_layout(("a", "b"))
    with pytest.raises(ConfigError, match="epsilon"):
        from_config(mpo.MPOConfig, {"network": network, "epsilon": 0.0})
    with pytest.raises(ConfigError, match="privileged"):
        from_config(mpo.MPOConfig, {"network": {"observation_keys": ["privileged/reward_state"]}})
    with pytest.raises(ConfigError, match="resnet"):
        from_config(mpo.MPOConfig, {"network": dict(network, resnet="huge")})


def test_mismatched_heads_are_refused():
    network = multitask.NetworkConfig(observation_keys=KEYS)
    config = mpo.MPOConfig(network=network, tasks=("t0", "t1"))
    policy, critic = multitask.make_networks(network, 3, ACTION_DIM)
    with pytest.raises(ValueError, match="task heads"):
        learning.make_update_step(policy, critic, config, (0, 1))


def test_pixel_learner_with_separate_torsos_updates_every_head():
    keys = ("cam_a/pixels", "cam_b/pixels", "wrist/force")
    rng = np.random.default_rng(0)

    def observation():
        return {
            "cam_a/pixels": rng.integers(0, 256, (4, 8, 8, 3), np.uint8),
            "cam_b/pixels": rng.integers(0, 256, (4, 8, 8, 3), np.uint8),
            "wrist/force": rng.normal(size=(4, 3)).astype(np.float32),
        }

    batch = types.Transition(
        observation(),
        rng.uniform(-1, 1, (4, ACTION_DIM)).astype(np.float32),
        rng.uniform(0, 1, (4, 2)).astype(np.float32),
        np.full((4,), 0.9, np.float32),
        observation(),
    )
    network = multitask.NetworkConfig(
        observation_keys=keys,
        resnet="small",
        torso_hidden_sizes=(8,),
        head_hidden_sizes=(8,),
        num_atoms=5,
        share_policy_torso=False,
        share_critic_torso=False,
    )
    config = mpo.MPOConfig(network=network, num_samples=2, v_max=10.0)
    learner = mpo.MPOLearner(
        multitask.make_networks(network, 2, ACTION_DIM),
        config,
        TaskLayout.all_tasks(("a", "b")),
        jax.tree_util.tree_map(lambda x: x[:1], batch.observation),
        ACTION_DIM,
        iter([batch] * 3),
        jax.random.PRNGKey(0),
    )
    before = jax.device_get(learner.state.critic_params)
    metrics = learner.step()
    assert np.isfinite(list(metrics.values())).all()
    torsos_before = before["params"]["torsos"]
    torsos_after = jax.device_get(learner.state.critic_params)["params"]["torsos"]
    kernel_before, kernel_after = (
        max(jax.tree_util.tree_leaves(t), key=lambda x: x.size) for t in (torsos_before, torsos_after)
    )
    for task in range(2):  # Each task's own torso received a gradient step.
        assert not np.array_equal(kernel_before[task], kernel_after[task])


def _marked_batches(demonstration_action, batch_size: int = 16):
    """Half of each batch marked as demonstrations, all acting `demonstration_action`."""
    for batch in _batches(batch_size):
        marks = (np.arange(batch_size) % 2).astype(np.float32)
        action = np.where(marks[:, None] == 1, demonstration_action, batch.action).astype(np.float32)
        yield batch._replace(action=action, extras={types.DEMONSTRATION: marks})


@pytest.mark.parametrize("weight", [0.0, 1.0])
def test_demonstration_weight_clones_the_marked_actions(weight):
    target = np.array([0.6, -0.6], np.float32)
    learner = _learner(
        tasks=("t1", "t3"),
        iterator=_marked_batches(target),
        demonstration_weight=weight,
        policy_learning_rate=1e-2,
        target_update_period=1,
        init_log_alpha_mean=0.0,
    )
    for _ in range(150):
        metrics = learner.step()
    policy, _ = multitask.make_networks(NETWORK, 2, ACTION_DIM)
    mean, _ = policy.apply(learner.get_variables(["online_policy"])[0], next(_batches()).observation)  # [B, T, A]
    error = np.abs(np.asarray(mean) - target).mean()
    if weight:
        assert error < 0.15 and metrics["demonstration_fraction"] == 0.5 and "demonstration_loss/t3" in metrics
    else:
        assert error > 0.4 and "demonstration_loss/t3" not in metrics


def test_demonstration_weight_without_marks_is_refused():
    learner = _learner(demonstration_weight=1.0)  # The batches are first read by step().
    with pytest.raises(ValueError, match="extras\\['demonstration'\\]"):
        learner.step()


# Metrics of four updates on fixed inputs, recorded with the update before the scatter-add
# projection and the donated/scanned steps (commit 7ad2a16): the maths must not change.
RECORDED = {
    "critic_loss": [
        [2.39976, 2.397755, 2.397754],
        [2.397894, 2.398655, 2.39713],
        [2.396781, 2.397885, 2.398205],
        [2.398035, 2.397758, 2.397905],
    ],
    "q_mean": [
        [4.999745, 4.994934, 5.000522],
        [4.998753, 4.995805, 5.002989],
        [4.997972, 4.994727, 5.001321],
        [4.995902, 4.996143, 5.001073],
    ],
    "temperature": [[10.000046] * 3, [9.990046] * 3, [9.980046] * 3, [9.970046] * 3],
    "policy_grad_norm": [3.730512, 3.310805, 2.863098, 3.61806],
    "critic_grad_norm": [1.369673, 0.448007, 0.453327, 0.239815],
}


def _recorded_setup():
    network = multitask.NetworkConfig(
        observation_keys=KEYS, torso_hidden_sizes=(16,), head_hidden_sizes=(16,), num_atoms=11
    )
    config = mpo.MPOConfig(network=network, num_samples=4, v_min=0.0, v_max=10.0, target_update_period=2)
    rng = np.random.default_rng(7)

    def observation():
        return {
            "arm/pose": rng.normal(size=(8, 3, 2)).astype(np.float32),
            "wrist/force": rng.normal(size=(8, 3)).astype(np.float32),
        }

    batches = [
        types.Transition(
            observation(),
            rng.uniform(-1, 1, (8, 2)).astype(np.float32),
            rng.uniform(0, 2, (8, 3)).astype(np.float32),
            np.where(rng.uniform(size=8) < 0.3, 0.0, 0.95).astype(np.float32),
            observation(),
            {},
        )
        for _ in range(4)
    ]
    policy, critic = multitask.make_networks(network, 3, 2)
    state = learning.init_training_state(policy, critic, config, batches[0].observation, 2, jax.random.PRNGKey(3))
    return policy, critic, config, batches, state


def test_update_reproduces_the_recorded_metrics():
    policy, critic, config, batches, state = _recorded_setup()
    update_step = learning.make_update_step(policy, critic, config, range(3))
    for i, batch in enumerate(batches):
        state, metrics = update_step(state, batch)
        for name, values in RECORDED.items():
            np.testing.assert_allclose(metrics[name], values[i], rtol=2e-5, err_msg=f"{name} at update {i}")


def test_multi_update_step_runs_the_same_updates_as_single_steps():
    policy, critic, config, batches, state = _recorded_setup()
    multi_step = learning.make_multi_update_step(policy, critic, config, range(3))
    stacked = jax.tree_util.tree_map(lambda *x: np.stack(x), *batches)
    state, metrics = multi_step(state, stacked)
    assert int(state.steps) == 4
    for name, values in RECORDED.items():
        np.testing.assert_allclose(metrics[name], np.mean(values, axis=0), rtol=2e-5, err_msg=name)


def test_learner_with_several_updates_per_step_matches_one_update_per_step():
    def learner(updates_per_step, iterator):
        return mpo.MPOLearner(
            multitask.make_networks(NETWORK, len(TASKS), ACTION_DIM),
            mpo.MPOConfig(network=NETWORK, num_samples=4, v_min=0.0, v_max=10.0),
            TaskLayout.all_tasks(TASKS),
            EXAMPLE,
            ACTION_DIM,
            iterator,
            jax.random.PRNGKey(0),
            updates_per_step=updates_per_step,
        )

    batches = list(itertools.islice(_batches(discount=0.9), 6))
    single = learner(1, iter(batches))
    for _ in range(6):
        single.step()
    multi = learner(3, iter(batches))
    saved = multi.save()
    assert multi.step()["steps"] == 3 and multi.step()["steps"] == 6
    assert int(saved.steps) == 0  # save() copies: the donated state does not invalidate it.
    for a, b in zip(jax.tree_util.tree_leaves(single.save()), jax.tree_util.tree_leaves(multi.save())):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
