"""The processes of online multi-task RL (COLLECT): replay server, learner and actors (the evaluator
is chef.stages.evaluator).

Each `run_*` function is a node of a `chef.launch.program.Program`: it receives the stage
config as a plain dict plus addresses and directories, parses it once (`components.StageSpec`),
and talks to the others only through Reverb (transitions and published policy parameters).
"""

import pathlib
import time
from typing import Any, Iterator, Mapping, Sequence

import jax
import numpy as np
import reverb
from absl import logging
from tqdm import tqdm

import rgb_stacking_env
from chef import scheduler as scheduler_lib
from chef import types
from chef.agents.scripted import ScriptedStackingActor
from chef.data import layout, rlds_reader, rlds_writer
from chef.replay import adders, resident, tables, variables
from chef.replay import dataset as replay_dataset
from chef.replay import server as server_lib
from chef.stages import checkpoints, components, episodes
from chef.utils import metrics as metrics_lib
from chef.utils import periods, seeds
from rgb_stacking_env import object_sets

Config = Mapping[str, Any]


def replay_signature(spec: components.StageSpec) -> types.Transition:
    """What an actor's adder writes: the agent's inputs, every task's reward and the demonstration mark."""
    return tables.transition_signature(
        spec.observation_spec,
        rgb_stacking_env.environment.ACTION_MAX,
        len(spec.tasks.reward_names),
        extras_spec={types.DEMONSTRATION: np.zeros((), np.float32)},
    )


def run_replay(config: Config, port: int) -> None:
    """Serves the replay table (typed with `replay_signature`) and the variables table."""
    spec = components.StageSpec.from_config(config)
    server = server_lib.start_server(spec.replay, port=port, signature=replay_signature(spec))
    server.server.wait()


def refill_replay(
    replay: resident.ResidentReplay, spec: components.StageSpec, dataset_dirs: list[str], samples_done: int
) -> int:
    """Puts the newest committed transitions of the actors' datasets (up to the buffer's capacity,
    split evenly between actors) back into a learner-resident replay; returns how many."""
    if not dataset_dirs:
        return 0
    signature = replay_signature(spec)
    options = rlds_reader.TransitionOptions(
        n_step=spec.config.adder.n_step,
        discount=spec.config.adder.discount,
        observation_keys=spec.network.observation_keys,
        demonstration_mark=True,
    )
    share = replay.buffer.capacity // len(dataset_dirs)
    count = 0
    for directory in dataset_dirs:
        lengths = np.array([entry["length"] - 1 for entry in layout.episode_index(directory)])  # Transitions.
        newest_first = np.cumsum(lengths[::-1])  # Transitions of the newest 1, 2, ... episodes.
        skip = len(lengths) - int(np.searchsorted(newest_first, share, side="right"))
        if skip == len(lengths):
            continue
        per_episode = rlds_reader.transitions_per_episode(directory, options).skip(skip)  # [L - 1, ...] each.
        for batch in rlds_reader.NumpyBatches(per_episode.prefetch(4), [directory]):
            batch = jax.tree_util.tree_map(lambda x, spec: np.asarray(x, spec.dtype.as_numpy_dtype), batch, signature)
            replay.add(batch, count_samples=samples_done)
            count += len(batch.action)
    return count


def _reverb_batches(replay_address: str, table: str, batch_size: int) -> Iterator[types.Transition]:
    """Batches sampled from the Reverb table; nothing is sampled before the first `next`."""
    yield from replay_dataset.make_replay_iterator(replay_address, table, batch_size)


def _fill_and_start(
    replay: resident.ResidentReplay,
    spec: components.StageSpec,
    replay_address: str,
    dataset_dirs: Sequence[str],
    steps: int,
) -> None:
    """Refills a learner-resident replay from the actors' datasets, then starts draining the inbox."""
    existing = [d for d in dataset_dirs if (pathlib.Path(d) / layout.INDEX).exists()]
    start = time.monotonic()
    refilled = refill_replay(replay, spec, existing, samples_done=steps * spec.config.learner.batch_size)
    if refilled:
        logging.warning(
            "replay refilled with %d transitions from %s in %.0f s", refilled, existing, time.monotonic() - start
        )
    replay.start(replay_address)


def run_learner(
    config: Config,
    replay_address: str,
    checkpoint_dir: str,
    metrics_dir: str,
    policy_dir: str,
    dataset_dirs: Sequence[str] = (),
) -> None:
    """Trains MPO on replay samples, publishes the policy, checkpoints, stops after num_steps and
    saves the final (target) policy parameters to `policy_dir`.

    On the 'learner' data path the replay lives in this process; a restarted learner refills it
    from the actors' datasets `dataset_dirs` (what they committed; items still in flight are lost).
    """
    spec = components.StageSpec.from_config(config)
    config, period = spec.config, spec.config.learner
    checkpoint = checkpoints.latest(checkpoint_dir)
    steps = checkpoint[0] if checkpoint is not None else 0
    replay = (
        None if spec.replay.data_path == "reverb" else resident.ResidentReplay(spec.replay, seed=config.seed + steps)
    )
    iterator = (
        replay.batches(period.batch_size)
        if replay is not None  # Both lazy: nothing is read yet.
        else _reverb_batches(replay_address, spec.replay.replay_table, period.batch_size)
    )
    builder = spec.mpo_builder()
    learner = builder.make_learner(
        builder.make_networks(), iterator, jax.random.PRNGKey(config.seed), updates_per_step=period.updates_per_step
    )
    if checkpoint is not None:
        learner.restore(checkpoints.restore(checkpoint[1], learner.save()))
        logging.info("learner resumed from %s", checkpoint[1])
    # Actors wait for parameters: publish before the first (blocking) sample.
    publisher = variables.VariablePublisher(reverb.Client(replay_address), spec.replay.variables_table)
    publisher.publish({"policy": learner.get_variables(["policy"])[0]}, version=steps)
    if replay is not None:
        _fill_and_start(replay, spec, replay_address, dataset_dirs, steps)
    writer = metrics_lib.MetricsWriter(metrics_dir, "learner")
    progress = tqdm(total=period.num_steps, initial=steps, desc="COLLECT learner updates", mininterval=10.0)
    last_log = (time.monotonic(), steps)
    while steps < period.num_steps:
        metrics = learner.step()
        before, steps = steps, int(metrics["steps"])
        progress.update(steps - before)
        if not all(np.isfinite(v) for v in metrics.values()):
            raise FloatingPointError(
                f"non-finite learner metrics at step {steps}: "
                f"{sorted(k for k, v in metrics.items() if not np.isfinite(v))}"
            )
        if periods.crossed(before, steps, period.publish_period):
            publisher.publish({"policy": learner.get_variables(["policy"])[0]}, version=steps)
        if periods.crossed(before, steps, period.log_period):
            now = time.monotonic()
            metrics["updates_per_s"] = (steps - last_log[1]) / (now - last_log[0])  # Since the last log.
            last_log = (now, steps)
            if replay is not None:
                metrics.update(replay.counters())
            writer.write(steps, metrics)
        if periods.crossed(before, steps, period.checkpoint_period) or steps == period.num_steps:
            checkpoints.save(checkpoint_dir, steps, learner.save())
    if replay is not None:
        replay.stop()
    final_policy = learner.get_variables(["policy"])[0]
    checkpoints.save_params(policy_dir, final_policy)
    publisher.publish({"policy": final_policy}, version=steps)
    writer.close()
    progress.close()


def run_actor(
    config: Config,
    actor_id: int,
    replay_address: str,
    dataset_dir: str,
    metrics_dir: str,
    stage: str = "collect",
    max_episodes: int | None = None,
) -> None:
    """Collects episodes forever (or `max_episodes`): SAC-X schedule, n-step adder, RLDS writer.

    A `config.actors.scripted_fraction` share of episodes is driven by the noisy scripted stacking
    policy instead (task_sequence ('scripted',), no scheduler update, transitions marked
    extras['demonstration'] = 1).
    Episode i is reset with `seeds.episode_seed(config.seed, actor_id, i)`, the seed its metadata
    records; the dataset's `environment` metadata rebuilds the environment (`chef-replay-episode`).
    A restarted actor appends to its dataset and continues its seed sequence.
    """
    spec = components.StageSpec.from_config(config)
    config, tasks = spec.config, spec.tasks
    builder = spec.mpo_builder()
    writer = rlds_writer.EpisodeWriter(dataset_dir, tasks.reward_names, environment=spec.environment)
    first_episode = writer.num_episodes
    seed = seeds.episode_seed(config.seed, actor_id, first_episode)
    scheduler = scheduler_lib.Scheduler(spec.scheduler, seed=seed)
    env = spec.make_env(seed)
    policy, _ = builder.make_networks()
    variable_client = variables.VariableClient(replay_address, spec.replay.variables_table)
    actor = builder.make_actor(policy, variable_client, seed=seed)
    scripted = ScriptedStackingActor(env.to_canonical, spec.actors.scripted_noise, seed=seed)
    rng = np.random.default_rng(seed)
    adder = adders.NStepTransitionAdder(
        reverb.Client(replay_address),
        spec.replay.data_tables,
        config.adder.n_step,
        config.adder.discount,
        chunk_length=config.adder.chunk_length,
    )
    metrics = metrics_lib.MetricsWriter(metrics_dir, f"actor_{actor_id}")
    main_column = tasks.reward_column(spec.scheduler.main_task)
    episode = first_episode
    while max_episodes is None or episode < first_episode + max_episodes:
        episode_seed = seeds.episode_seed(config.seed, actor_id, episode)
        is_scripted = rng.uniform() < spec.actors.scripted_fraction
        to_replay = episodes.SelectKeys(
            adder, spec.network.observation_keys, extras={types.DEMONSTRATION: np.float32(is_scripted)}
        )
        if is_scripted:
            names = (rlds_reader.SCRIPTED,)
            result = episodes.run_episode(
                env, scripted, [0], config.env.episode_length, [writer, to_replay], seed=episode_seed
            )
        else:
            schedule = scheduler.sample_schedule()
            names = scheduler.task_names(schedule)
            result = episodes.run_episode(
                env,
                actor,
                [tasks.head(t) for t in names],
                spec.scheduler.segment_length,
                [writer, to_replay],
                seed=episode_seed,
            )
            scheduler.update(schedule, result.rewards[:, main_column])
        writer.end_episode(
            rlds_writer.EpisodeMetadata(
                stage=stage,
                success=result.success,
                policy_version=variable_client.version,
                task_sequence=names,
                triplet=object_sets.triplet_label(env.simulation.scene.triplet),
                seed=episode_seed,
            )
        )
        row = {
            "episode": episode,
            "policy_version": variable_client.version,
            "length": result.length,
            "scripted": float(is_scripted),
        }
        metrics.write(episode, dict(row, **episodes.task_metrics(result, tasks.reward_names)))
        episode += 1
        actor.update()  # The newest parameters after every episode.
    metrics.close()
    writer.close()
    env.close()
