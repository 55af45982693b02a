"""tf.data stages for MT-Opt sampling, usable by any learner's input pipeline.

- `pairs_dataset`: an endless stream of (episode, task) index batches from a
  sampler (exact per-batch proportions); the caller maps them to transitions.
- `rebalanced_mixture`: mixes per-(task, outcome) element datasets with the
  fixed weights of the re-balancing rule (proportions hold in expectation).
"""

from typing import Mapping

import tensorflow as tf

from chef.mtopt.impersonation import Outcome
from chef.mtopt.rebalancing import PairSampler, rebalanced_weights


def pairs_dataset(sampler: PairSampler, batch_size: int) -> tf.data.Dataset:
    """Endless dataset of {'episode_id': int64 [B], 'task_id': int32 [B], 'success': bool [B]}.

    Episode ids must be integers (e.g. positions in an episode table).
    """

    def generate():
        while True:
            pairs = sampler.sample(batch_size)
            yield {"episode_id": pairs.episode_ids.astype("int64"), "task_id": pairs.task_ids, "success": pairs.success}

    signature = {
        "episode_id": tf.TensorSpec([batch_size], tf.int64),
        "task_id": tf.TensorSpec([batch_size], tf.int32),
        "success": tf.TensorSpec([batch_size], tf.bool),
    }
    return tf.data.Dataset.from_generator(generate, output_signature=signature)


def rebalanced_mixture(
    datasets: Mapping[str, Mapping[Outcome, tf.data.Dataset | None]],
    pool_sizes: Mapping[str, Mapping[Outcome, int]],
    success_fraction: float = 0.5,
    seed: int | None = None,
) -> tf.data.Dataset:
    """Samples elements from `datasets[task][outcome]` with re-balanced fixed weights.

    `pool_sizes` (as from `chef.mtopt.impersonation.pool_sizes`) decides the
    empty-pool fallbacks; a (task, outcome) with weight > 0 needs a dataset,
    which should repeat forever. Elements must share one structure.
    """
    pseudo_pools = {t: {o: [None] * n for o, n in sizes.items()} for t, sizes in pool_sizes.items()}
    weights = {key: w for key, w in rebalanced_weights(pseudo_pools, success_fraction).items() if w > 0}
    missing = [key for key in weights if datasets.get(key[0], {}).get(key[1]) is None]
    if missing:
        raise ValueError(f"No dataset for (task, outcome) {missing}, which have non-zero weight.")
    keys = sorted(weights)
    return tf.data.Dataset.sample_from_datasets(
        [datasets[t][o] for t, o in keys], weights=[weights[k] for k in keys], seed=seed
    )
