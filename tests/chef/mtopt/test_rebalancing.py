import collections

import numpy as np
import pytest

from chef.mtopt import rebalancing, tf_data

POOLS = {
    "big": {"success": list(range(0, 90)), "failure": list(range(100, 1000))},
    "rare": {"success": [2000], "failure": [2001, 2002]},
    "no_success": {"success": [], "failure": [3000, 3001]},
    "no_failure": {"success": [4000], "failure": []},
    "empty": {"success": [], "failure": []},
}


def _counts(pairs):
    return collections.Counter(zip(pairs.task_ids.tolist(), pairs.success.tolist()))


def test_rebalanced_batch_has_exact_shares():
    sampler = rebalancing.RebalancedSampler(POOLS, success_fraction=0.25, rng=np.random.default_rng(0))
    assert sampler.active_tasks == ("big", "rare", "no_success", "no_failure")
    for _ in range(5):
        pairs = sampler.sample(32)
        assert _counts(pairs) == {(0, True): 2, (0, False): 6, (1, True): 2, (1, False): 6, (2, False): 8, (3, True): 8}
        for episode, task, success in zip(pairs.episode_ids, pairs.task_ids, pairs.success):
            assert episode in POOLS[list(POOLS)[task]]["success" if success else "failure"]


def test_rebalanced_remainder_goes_to_distinct_tasks():
    sampler = rebalancing.RebalancedSampler(POOLS, success_fraction=0.5, rng=np.random.default_rng(1))
    for _ in range(10):
        per_task = collections.Counter(sampler.sample(10).task_ids.tolist())
        assert sorted(per_task.values()) == [2, 2, 3, 3]


def test_uniform_sampler_follows_pool_sizes():
    sampler = rebalancing.UniformSampler(POOLS, rng=np.random.default_rng(2))
    pairs = sampler.sample(20000)
    total = 90 + 900 + 3 + 2 + 1
    assert abs(np.mean(pairs.task_ids == 0) - 990 / total) < 0.01
    assert abs(np.mean(pairs.success[pairs.task_ids == 0]) - 90 / 990) < 0.01


def test_rebalanced_weights_match_the_batch_rule():
    weights = rebalancing.rebalanced_weights(POOLS, success_fraction=0.25)
    assert weights == {
        ("big", "success"): 1 / 16,
        ("big", "failure"): 3 / 16,
        ("rare", "success"): 1 / 16,
        ("rare", "failure"): 3 / 16,
        ("no_success", "success"): 0.0,
        ("no_success", "failure"): 0.25,
        ("no_failure", "success"): 0.25,
        ("no_failure", "failure"): 0.0,
    }


def test_bad_input_is_rejected():
    with pytest.raises(ValueError, match="success_fraction must lie in"):
        rebalancing.RebalancedSampler(POOLS, success_fraction=1.5)
    with pytest.raises(ValueError, match="All task pools are empty"):
        rebalancing.RebalancedSampler({"empty": {"success": [], "failure": []}})
    with pytest.raises(ValueError, match="batch_size must be positive"):
        rebalancing.UniformSampler(POOLS).sample(0)


def test_pairs_dataset_streams_sampler_batches():
    sampler = rebalancing.RebalancedSampler(POOLS, success_fraction=0.25, rng=np.random.default_rng(3))
    for batch in tf_data.pairs_dataset(sampler, 32).take(2).as_numpy_iterator():
        assert batch["episode_id"].dtype == np.int64 and batch["task_id"].shape == (32,)
        assert collections.Counter(zip(batch["task_id"].tolist(), batch["success"].tolist()))[(0, True)] == 2


def test_rebalanced_mixture_uses_fixed_weights():
    import tensorflow as tf

    pools = {"a": {"success": [0], "failure": [1, 2, 3]}, "b": {"success": [], "failure": [4]}}
    datasets = {
        task: {
            outcome: tf.data.Dataset.from_tensors(f"{task}/{outcome}").repeat() for outcome in ("success", "failure")
        }
        for task in pools
    }
    sizes = {t: {o: len(ids) for o, ids in pool.items()} for t, pool in pools.items()}
    mixed = tf_data.rebalanced_mixture(datasets, sizes, success_fraction=0.5, seed=0)
    counts = collections.Counter(x.decode() for x in mixed.take(4000).as_numpy_iterator())
    assert set(counts) == {"a/success", "a/failure", "b/failure"}
    assert abs(counts["b/failure"] / 4000 - 0.5) < 0.03
    assert abs(counts["a/success"] / 4000 - 0.25) < 0.03
    with pytest.raises(ValueError, match="No dataset"):
        tf_data.rebalanced_mixture({"a": datasets["a"]}, sizes)
