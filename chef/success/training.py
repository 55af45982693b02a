"""Training the multi-task success detector on labelled final images.

Labels come from simulator predicates (standing in for MT-Opt's human
labels): every example has a success flag per task. Batches are balanced per
task and per outcome with the MT-Opt re-balancing sampler (an equal share
per task, `success_fraction` successes within each), and augmented.
"""

import dataclasses
from typing import Callable, NamedTuple, Sequence

import jax
import jax.numpy as jnp
import numpy as np
import optax
import tqdm

from chef.mtopt.impersonation import TaskPools
from chef.mtopt.rebalancing import RebalancedSampler
from chef.success import augment as augment_lib
from chef.success.model import SuccessDetector, all_task_logits
from chef.utils.config import require
from chef.utils.metrics import MetricsWriter


class DetectorDataset(NamedTuple):
    images: np.ndarray  # [N, C, H, W, 3] uint8 final camera images
    labels: np.ndarray  # [N, T] bool success per task
    primary_task: np.ndarray  # [N] int the task each episode was collected for
    group: np.ndarray  # [N] int actor or seed, for held-out splits

    def select(self, mask: np.ndarray) -> "DetectorDataset":
        return DetectorDataset(*(field[mask] for field in self))


@dataclasses.dataclass(frozen=True)
class DetectorTrainingConfig:
    num_steps: int = 2000
    batch_size: int = 64
    learning_rate: float = 1e-3
    success_fraction: float = 0.5
    conv_channels: tuple[int, ...] = (16, 32, 32)
    embedding_size: int = 64
    hidden_sizes: tuple[int, ...] = (64,)
    augment: augment_lib.AugmentConfig = dataclasses.field(default_factory=augment_lib.AugmentConfig)

    def __post_init__(self):
        require(self.num_steps >= 1, f"num_steps must be >= 1, got {self.num_steps}")
        require(self.batch_size >= 1, f"batch_size must be >= 1, got {self.batch_size}")
        require(self.learning_rate > 0, f"learning_rate must be positive, got {self.learning_rate}")
        require(
            0.0 <= self.success_fraction <= 1.0, f"success_fraction must lie in [0, 1], got {self.success_fraction}"
        )


class TrainedDetector(NamedTuple):
    model: SuccessDetector
    params: dict
    losses: np.ndarray  # [num_steps]


def split_by_group(dataset: DetectorDataset, holdout_groups: Sequence[int]) -> tuple[DetectorDataset, DetectorDataset]:
    """(train, held-out): the held-out split holds every example of `holdout_groups`."""
    held_out = np.isin(dataset.group, list(holdout_groups))
    if held_out.all() or not held_out.any():
        raise ValueError(
            f"holdout_groups {list(holdout_groups)} must leave both splits non-empty; "
            f"groups present: {sorted(set(dataset.group.tolist()))}"
        )
    return dataset.select(~held_out), dataset.select(held_out)


def outcome_pools(labels: np.ndarray, task_names: Sequence[str]) -> TaskPools:
    """Example indices per task and outcome, from labels [N, T]."""
    labels = np.asarray(labels, bool)
    return {
        name: {"success": np.flatnonzero(labels[:, t]).tolist(), "failure": np.flatnonzero(~labels[:, t]).tolist()}
        for t, name in enumerate(task_names)
    }


def make_model(config: DetectorTrainingConfig, num_tasks: int) -> SuccessDetector:
    return SuccessDetector(num_tasks, config.conv_channels, config.embedding_size, config.hidden_sizes)


def train_success_detector(
    dataset: DetectorDataset,
    task_names: Sequence[str],
    config: DetectorTrainingConfig,
    seed: int = 0,
    metrics: MetricsWriter | None = None,
    log_every: int = 100,
) -> TrainedDetector:
    """Trains a detector with balanced, augmented batches; shows a tqdm bar."""
    if dataset.labels.shape[1:] != (len(task_names),):
        raise ValueError(
            f"labels must be [N, {len(task_names)}] for tasks {list(task_names)}, got {dataset.labels.shape}"
        )
    model = make_model(config, len(task_names))
    sampler = RebalancedSampler(
        outcome_pools(dataset.labels, task_names), config.success_fraction, np.random.default_rng(seed)
    )
    key, init_key = jax.random.split(jax.random.PRNGKey(seed))
    params = model.init(init_key, augment_lib.to_float(jnp.asarray(dataset.images[:1])), jnp.zeros(1, jnp.int32))
    optimizer = optax.adam(config.learning_rate)
    opt_state = optimizer.init(params)

    @jax.jit
    def update(params, opt_state, key, images, task_id, label):
        images = augment_lib.augment(key, images, config.augment)  # [B, C, H, W, 3]

        def loss_fn(p):
            return optax.sigmoid_binary_cross_entropy(model.apply(p, images, task_id), label).mean()

        loss, grads = jax.value_and_grad(loss_fn)(params)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    losses = []
    for step in tqdm.trange(config.num_steps, desc="success detector", leave=False):
        pairs = sampler.sample(config.batch_size)
        key, step_key = jax.random.split(key)
        params, opt_state, loss = update(
            params,
            opt_state,
            step_key,
            dataset.images[pairs.episode_ids],
            pairs.task_ids,
            pairs.success.astype(np.float32),
        )
        losses.append(loss)
        if metrics is not None and (step + 1) % log_every == 0:
            metrics.write(step + 1, {"detector_loss": float(loss)})
    return TrainedDetector(model, params, np.asarray(jax.device_get(losses)))


def make_predictor(detector: TrainedDetector, batch_size: int = 256) -> Callable[[np.ndarray], np.ndarray]:
    """A function uint8 images [N, C, H, W, 3] -> P(success) of every task [N, T].

    Compiled once: inputs are processed in chunks of `batch_size`, the last one padded.
    """
    predict = jax.jit(lambda p, x: jax.nn.sigmoid(all_task_logits(detector.model, p, augment_lib.to_float(x))))

    def predictor(images: np.ndarray) -> np.ndarray:
        chunks = []
        for start in range(0, len(images), batch_size):
            chunk = images[start : start + batch_size]
            padding = [(0, batch_size - len(chunk))] + [(0, 0)] * (chunk.ndim - 1)
            chunks.append(predict(detector.params, np.pad(chunk, padding))[: len(chunk)])
        return np.concatenate(jax.device_get(chunks), axis=0)

    return predictor


def predict_probabilities(detector: TrainedDetector, images: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """P(success) of every task for uint8 images [N, C, H, W, 3] -> [N, T]."""
    return make_predictor(detector, batch_size)(images)
