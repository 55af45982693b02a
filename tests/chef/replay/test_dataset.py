"""Batches sampled from a uniform replay table filled by the adder from a real environment."""

import dm_env
import numpy as np

from chef.replay import adders, dataset, server, tables
from tests.chef.data import vector_point_mass


def test_sampled_batches_are_consistent_transitions():
    env = vector_point_mass.VectorPointMass(seed=0, num_steps=10)
    config = tables.ReplayConfig(max_size=1000, min_size=10, samples_per_insert=None)
    action_spec = np.zeros(2, np.float32)  # run_episode acts in float32.
    signature = tables.transition_signature(env.observation_spec(), action_spec, num_tasks=2)
    replay = server.start_server(config, signature=signature)
    try:
        adder = adders.NStepTransitionAdder(replay.client(), "replay", n_step=1, discount=0.9)
        for episode in range(3):
            vector_point_mass.run_episode(env, [adder], seed=episode)
        assert replay.client().server_info()["replay"].current_size == 30
        batch = next(dataset.make_replay_iterator(replay.address, "replay", batch_size=16))
    finally:
        replay.stop()
    assert batch.reward.shape == (16, 2) and batch.discount.shape == (16,)
    assert batch.observation["camera/pixels"].shape == (16, 8, 8, 3)
    assert batch.action.shape == (16, 2)
    # One-step rewards are those of the next observation; point_mass episodes only truncate.
    np.testing.assert_array_equal(batch.reward, vector_point_mass.reward_fn(batch.next_observation))
    np.testing.assert_allclose(batch.discount, 0.9)
    assert not np.allclose(batch.observation["position"], batch.next_observation["position"])


def test_mixed_batches_take_fixed_shares_of_queue_and_replay():
    config = tables.ReplayConfig(max_size=1000, min_size=1, samples_per_insert=None, queue_size=100)
    observation = {"x": np.zeros(1, np.float32)}
    replay = server.start_server(config, signature=tables.transition_signature(observation, np.zeros(1, np.float32), 1))
    try:
        # Replay holds transitions with reward 1; the queue, fed afterwards, only reward 2.
        for value, table in ((1.0, "replay"), (2.0, "queue")):
            adder = adders.NStepTransitionAdder(replay.client(), table, n_step=1, discount=0.9)
            adder.add_first(dm_env.restart(observation))
            for step in range(8):
                timestep = (dm_env.truncation if step == 7 else dm_env.transition)(
                    np.array([value], np.float32), observation
                )
                adder.add(np.zeros(1, np.float32), timestep)
        batches = dataset.make_mixed_replay_dataset(replay.address, ["queue", "replay"], [0.25, 0.75], 8)
        for batch in batches.take(2).as_numpy_iterator():
            np.testing.assert_array_equal(batch.reward[:, 0], [2, 2, 1, 1, 1, 1, 1, 1])
        assert replay.client().server_info()["queue"].current_size <= 4  # Queue items are read once.
    finally:
        replay.stop()
