"""Offline training of one agent on RLDS datasets: the work of SWEEP candidates and FINE-TUNE.

Agents (`config.agent`): 'mpo' (multi-task offline RL; single-task when `mpo.tasks` names one
task), 'filtered_mpo' (offline RL on the main task's successful episodes only), 'bc' and
'filtered_bc' (behaviour cloning on all / successful episodes). Outputs in `out_dir`:
checkpoints/step_<n>/ (full learner state), policy/ (the policy parameters actors run),
metrics/learner.jsonl.
"""

import pathlib
from typing import Any, Iterator, Sequence

import jax
import numpy as np
from absl import logging
from tqdm import tqdm

import rgb_stacking_env
from chef import types
from chef.agents.bc import builder as bc_builder
from chef.agents.bc import config as bc_config_lib
from chef.data import filters, in_memory, layout, mixing, rlds_reader
from chef.data.buffer import TransitionBuffer
from chef.stages import checkpoints, components
from chef.utils import config as config_lib
from chef.utils import metrics as metrics_lib
from chef.utils import periods

AGENTS = ("mpo", "filtered_mpo", "bc", "filtered_bc")
# `config.learner.offline_input`: 'memory' reads the datasets once into numpy (state observations),
# 'stream' decodes them again on every pass with tf.data (pixels; see chef/data/in_memory.py).
OFFLINE_INPUTS = ("memory", "stream")
_SUCCESS_FILTERS: dict[str, filters.EpisodeFilter] = {}  # One filter object per task: a cache key.
Sources = Sequence[Sequence[str]]  # Groups of dataset directories, mixed by `proportions`.


class NoDataError(ValueError):
    """The datasets hold no episode the agent can train on (e.g. no success for a filtered agent)."""


def _check_agent(spec: components.StageSpec) -> str:
    agent = spec.config.agent
    if agent not in AGENTS:
        raise config_lib.ConfigError(f"config.agent {agent!r} is not one of {AGENTS}")
    return agent


def count_successes(directories: Sequence[str], task: str) -> int:
    """Episodes in `directories` where `task` succeeded (from the datasets' indexes: no episode is read)."""
    index = rgb_stacking_env.TASK_NAMES.index(task)
    return sum(bool(entry["success"][index]) for directory in directories for entry in layout.episode_index(directory))


def make_options(spec: components.StageSpec) -> rlds_reader.TransitionOptions:
    """How the agent's transitions are read: its n-step returns, its inputs, for a filtered agent
    only the episodes where the main task succeeded, and for MPO that clones the scripted episodes
    (`mpo.demonstration_weight` > 0) their demonstration mark, as COLLECT's learner reads them."""
    agent = _check_agent(spec)
    episode_filter = None
    if agent.startswith("filtered"):
        task = spec.scheduler.main_task
        episode_filter = _SUCCESS_FILTERS.setdefault(task, filters.by_success(task, spec.tasks.reward_names))
    return rlds_reader.TransitionOptions(
        n_step=spec.config.adder.n_step,
        discount=spec.config.adder.discount,
        observation_keys=spec.network.observation_keys,
        episode_filter=episode_filter,
        demonstration_mark=agent.endswith("mpo") and spec.mpo.demonstration_weight > 0,
    )


_LOADED: dict[tuple, TransitionBuffer] = {}  # The sources a sweep process's candidates share.


def load_source(
    directories: Sequence[str], options: rlds_reader.TransitionOptions, progress: bool = False
) -> TransitionBuffer:
    """`in_memory.load`, keeping the two most recently used sources of this process in memory."""
    key = (tuple(directories), options)
    if key not in _LOADED:
        _LOADED[key] = in_memory.load(list(directories), options, progress)
    _LOADED[key] = _LOADED.pop(key)  # Most recently used last.
    while len(_LOADED) > 2:
        del _LOADED[next(iter(_LOADED))]
    return _LOADED[key]


def make_iterator(
    spec: components.StageSpec, sources: Sources, proportions: Sequence[float], seed: int, progress: bool = False
) -> Iterator[types.Transition]:
    """Batches of n-step transitions mixed from `sources` with fixed per-batch `proportions`, from
    memory or streamed (`config.learner.offline_input`). A filtered agent draws only from the
    groups that hold a successful episode (the others' shares go to them, with a warning), e.g. COLLECT
    alone when FINE-TUNE's EXECUTE episodes all failed."""
    config, main_task = spec.config, spec.scheduler.main_task
    if _check_agent(spec).startswith("filtered"):
        drawn = [i for i, proportion in enumerate(proportions) if proportion > 0]
        kept = [i for i in drawn if count_successes(sources[i], main_task) > 0]
        if not kept:
            raise NoDataError(
                f"{config.agent}: no successful '{main_task}' episode in {[list(sources[i]) for i in drawn]}"
            )
        if len(kept) < len(drawn):
            logging.warning(
                "%s: no successful '%s' episode in %s; their share of each batch goes to the other sources",
                config.agent,
                main_task,
                [list(sources[i]) for i in drawn if i not in kept],
            )
        sources, proportions = [sources[i] for i in kept], [proportions[i] for i in kept]  # Mixing renormalises.
    options = make_options(spec)
    groups = [tuple(str(d) for d in group) for group in sources]
    if config.learner.get("offline_input", "memory") == "stream":
        return mixing.mixed_transition_iterator(groups, proportions, config.learner.batch_size, options, seed=seed)
    in_memory.check_compatible(groups, [options] * len(groups))
    buffers = [load_source(group, options, progress) for group in groups]
    return in_memory.MixedBatches(buffers, proportions, config.learner.batch_size, seed)


def make_learner(spec: components.StageSpec, iterator: Iterator[types.Transition], seed: int):
    """The agent's learner, ready before `iterator` is read (its first `step` reads it)."""
    key = jax.random.PRNGKey(seed)
    if _check_agent(spec).endswith("mpo"):
        builder = spec.mpo_builder()
        return builder.make_learner(
            builder.make_networks(), iterator, key, updates_per_step=spec.config.learner.get("updates_per_step", 1)
        )
    bc_config = config_lib.from_config(
        bc_config_lib.BCConfig,
        dict(network=spec.network, tasks=spec.mpo.tasks, learning_rate=spec.mpo.policy_learning_rate),
        where="config(bc)",
    )
    builder = bc_builder.BCBuilder(bc_config, spec.tasks, spec.example_observation(), spec.action_dim)
    return builder.make_learner(builder.make_policy(), iterator, key)


def policy_params(learner: Any) -> types.Params:
    return learner.get_variables(["policy"])[0]


def train(
    spec: components.StageSpec,
    sources: Sources,
    proportions: Sequence[float],
    out_dir: str,
    init_checkpoint: str | None = None,
    seed: int | None = None,
    progress: bool = True,
) -> dict[str, float]:
    """Trains for `config.learner.num_steps` updates (resuming from out_dir's newest checkpoint,
    else starting from `init_checkpoint`); returns the last metrics."""
    out, config = pathlib.Path(out_dir), spec.config
    seed = config.seed if seed is None else seed
    learner = make_learner(spec, make_iterator(spec, sources, proportions, seed, progress), seed)
    first_step = 0
    resume = checkpoints.latest(out / "checkpoints")
    if resume is not None:
        first_step, path = resume
        learner.restore(checkpoints.restore(path, learner.save()))
    elif init_checkpoint:
        learner.restore(checkpoints.restore(init_checkpoint, learner.save()))
    writer = metrics_lib.MetricsWriter(out / "metrics", "learner")
    metrics: dict[str, float] = {}
    period = config.learner
    updates = getattr(learner, "updates_per_step", 1)  # Updates per learner.step().
    if (period.num_steps - first_step) % updates:
        raise ValueError(
            f"{period.num_steps - first_step} updates to run are not a multiple of updates_per_step={updates}"
        )
    bar = tqdm(
        total=period.num_steps, initial=first_step, desc=f"train {config.agent}", disable=not progress, mininterval=5.0
    )
    for step in range(first_step + updates, period.num_steps + 1, updates):
        metrics = learner.step()
        bar.update(updates)
        bad = sorted(k for k, v in metrics.items() if not np.isfinite(v))
        if bad:
            raise FloatingPointError(f"non-finite {bad} at update {step} of {config.agent}")
        if periods.crossed(step - updates, step, period.log_period) or step == period.num_steps:
            writer.write(step, metrics)
        if periods.crossed(step - updates, step, period.checkpoint_period) or step == period.num_steps:
            checkpoints.save(out / "checkpoints", step, learner.save())
    bar.close()
    checkpoints.save_params(out / "policy", policy_params(learner))
    writer.close()
    return metrics
