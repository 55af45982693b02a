import jax
import jax.numpy as jnp
import numpy as np
import pytest

from chef.networks import multitask, torsos

SPEC = {"arm/pose": (3, 7), "wrist/force": (3,), "cam_a/pixels": (16, 16, 3), "cam_b/pixels": (16, 16, 3)}
NUM_TASKS, ACTION_DIM, BATCH = 3, 4, 5


def _config(share: bool, resnet=None) -> multitask.NetworkConfig:
    keys = ("arm/pose", "wrist/force") + (("cam_a/pixels", "cam_b/pixels") if resnet else ())
    return multitask.NetworkConfig(
        observation_keys=keys,
        resnet=resnet,
        torso_hidden_sizes=(16,),
        head_hidden_sizes=(8,),
        share_policy_torso=share,
        share_critic_torso=share,
        num_atoms=7,
    )


def _observation(config, seed=0):
    rng = np.random.default_rng(seed)
    return {
        k: (
            rng.integers(0, 256, (BATCH, *SPEC[k]), np.uint8)
            if k.endswith("/pixels")
            else rng.normal(size=(BATCH, *SPEC[k])).astype(np.float32)
        )
        for k in config.observation_keys
    }


@pytest.mark.parametrize("share", [True, False])
@pytest.mark.parametrize("resnet", [None, "small"])
def test_output_shapes(share, resnet):
    config = _config(share, resnet)
    policy, critic = multitask.make_networks(config, NUM_TASKS, ACTION_DIM)
    observation = _observation(config)
    policy_params = policy.init(jax.random.PRNGKey(0), observation)
    mean, stddev = policy.apply(policy_params, observation)
    assert mean.shape == stddev.shape == (BATCH, NUM_TASKS, ACTION_DIM)
    np.testing.assert_allclose(stddev, 0.7, atol=0.03)  # init_scale at initialisation.
    critic_params = critic.init(jax.random.PRNGKey(0), observation, jnp.zeros((BATCH, NUM_TASKS, ACTION_DIM)))
    assert critic.apply(critic_params, observation, jnp.zeros((6, BATCH, NUM_TASKS, ACTION_DIM))).shape == (
        6,
        BATCH,
        NUM_TASKS,
        7,
    )


def test_critic_head_t_sees_only_action_t():
    config = _config(share=True)
    _, critic = multitask.make_networks(config, NUM_TASKS, ACTION_DIM)
    observation = _observation(config)
    actions = jnp.zeros((BATCH, NUM_TASKS, ACTION_DIM))
    params = critic.init(jax.random.PRNGKey(0), observation, actions)
    changed = critic.apply(params, observation, actions.at[:, 1].set(1.0)) - critic.apply(params, observation, actions)
    assert np.abs(changed[:, 1]).max() > 1e-4
    np.testing.assert_array_equal(changed[:, [0, 2]], 0.0)


@pytest.mark.parametrize("share", [True, False])
def test_torso_sharing(share):
    """A shared torso couples all heads; per-task torsos (nn.vmap) are independent."""
    config = _config(share)
    policy, _ = multitask.make_networks(config, NUM_TASKS, ACTION_DIM)
    observation = _observation(config)
    params = policy.init(jax.random.PRNGKey(0), observation)
    torso = params["params"]["torso" if share else "torsos"]
    if not share:
        leaves = jax.tree_util.tree_leaves(torso)
        assert all(leaf.shape[0] == NUM_TASKS for leaf in leaves)
        kernel = max(leaves, key=lambda leaf: leaf.size)
        assert not np.allclose(kernel[0], kernel[1])  # Independently initialised.
    perturbed = jax.tree_util.tree_map(lambda x: x.at[0].add(0.5) if not share else x + 0.5, torso)
    new_params = {"params": dict(params["params"], **{"torso" if share else "torsos": perturbed})}
    before = policy.apply(params, observation)[0]
    after = policy.apply(new_params, observation)[0]
    moved = np.abs(after - before).max(axis=(0, 2)) > 1e-7  # [T]
    assert moved.tolist() == ([True] * NUM_TASKS if share else [True] + [False] * (NUM_TASKS - 1))


def test_resnet_presets_and_pixel_key_needs_a_resnet():
    assert torsos.resnet_spec("small") == torsos.ResNetSpec((16, 32, 32), 32)
    assert torsos.resnet_spec("large") == torsos.ResNetSpec((64, 128, 128, 64), 256)
    with pytest.raises(ValueError, match="valid presets"):
        torsos.resnet_spec("medium")
    config = multitask.NetworkConfig(observation_keys=("cam_a/pixels", "wrist/force"))
    policy, _ = multitask.make_networks(config, 1, 1)
    with pytest.raises(ValueError, match="need a ResNet"):
        policy.init(jax.random.PRNGKey(0), _observation(config))


def test_large_resnet_has_more_parameters_and_embeds_to_its_size():
    images = jnp.zeros((2, 32, 32, 6))
    sizes = {}
    for name in ("small", "large"):
        spec = torsos.resnet_spec(name)
        net = torsos.ResNetTorso(spec.channels, spec.embedding_size)
        params = net.init(jax.random.PRNGKey(0), images)
        assert net.apply(params, images).shape == (2, spec.embedding_size)
        sizes[name] = sum(x.size for x in jax.tree_util.tree_leaves(params))
    assert sizes["large"] > 10 * sizes["small"]
