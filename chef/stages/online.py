"""The processes of online multi-task RL (COLLECT): replay server, learner, actors, evaluator.

Each `run_*` function is a node of a `chef.launch.program.Program`: it receives the stage
config as a plain dict plus addresses and directories, and talks to the others only through
Reverb (transitions and published policy parameters).
"""
import pathlib
import time
from typing import Any, Iterator, Mapping, Optional, Sequence

import jax
import ml_collections
import numpy as np
import reverb
from absl import logging
from tqdm import tqdm

import rgb_stacking_env
from chef import scheduler as scheduler_lib, types
from chef.agents.mpo import learning as mpo_learning
from chef.agents.mpo.actor import MPOActor
from chef.agents.scripted import ScriptedStackingActor
from chef.data import layout, rlds_reader, rlds_writer
from chef.replay import adders, dataset as replay_dataset, resident, server as server_lib, tables, variables
from chef.stages import checkpoints, components, episodes
from chef.utils import metrics as metrics_lib, periods

Config = Mapping[str, Any]


def replay_signature(config: ml_collections.ConfigDict) -> types.Transition:
    """What an actor's adder writes: the agent's inputs, every task's reward and the demonstration mark."""
    return tables.transition_signature(components.observation_spec(config), rgb_stacking_env.environment.ACTION_MAX,
                                       len(rgb_stacking_env.TASK_NAMES),
                                       extras_spec={types.DEMONSTRATION: np.zeros((), np.float32)})


def run_replay(config: Config, port: int) -> None:
    """Serves the replay table (typed with `replay_signature`) and the variables table."""
    config = components.as_config_dict(config)
    server = server_lib.start_server(components.replay_config(config), port=port, signature=replay_signature(config))
    server.server.wait()


def _init_state(config, policy, critic, mpo_config) -> mpo_learning.TrainingState:
    action_dim = rgb_stacking_env.environment.ACTION_MAX.shape[0]
    return mpo_learning.init_training_state(policy, critic, mpo_config, components.example_batch(config), action_dim,
                                            jax.random.PRNGKey(config.seed))


def refill_replay(replay: resident.ResidentReplay, config: ml_collections.ConfigDict, dataset_dirs: list[str],
                  samples_done: int) -> int:
    """Puts the newest committed transitions of the actors' datasets (up to the buffer's capacity,
    split evenly between actors) back into a learner-resident replay; returns how many."""
    if not dataset_dirs:
        return 0
    signature = replay_signature(config)
    options = rlds_reader.TransitionOptions(
        n_step=config.adder.n_step, discount=config.adder.discount,
        observation_keys=components.observation_keys(config), demonstration_mark=True)
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


def _batches(config: ml_collections.ConfigDict, replay_address: str, dataset_dirs: list[str],
             steps: int) -> tuple[Iterator[types.Transition], Optional[resident.ResidentReplay]]:
    """The learner's batches and, on the 'learner' data path, the resident replay they come from
    (refilled from the datasets)."""
    replay_config = components.replay_config(config)
    batch_size = config.learner.batch_size
    if replay_config.data_path == "reverb":
        return replay_dataset.make_replay_iterator(replay_address, replay_config.replay_table, batch_size), None
    replay = resident.ResidentReplay(replay_config, seed=config.seed + steps)
    start = time.monotonic()
    refilled = refill_replay(replay, config, dataset_dirs, samples_done=steps * batch_size)
    if refilled:
        logging.warning("replay refilled with %d transitions from %s in %.0f s", refilled, dataset_dirs,
                        time.monotonic() - start)
    replay.start(replay_address)
    return replay.batches(batch_size), replay


def run_learner(config: Config, replay_address: str, checkpoint_dir: str, metrics_dir: str, policy_dir: str,
                dataset_dirs: Sequence[str] = ()) -> None:
    """Trains MPO on replay samples, publishes the policy, checkpoints, stops after num_steps and
    saves the final (target) policy parameters to `policy_dir`.

    On the 'learner' data path the replay lives in this process; a restarted learner refills it
    from the actors' datasets `dataset_dirs` (what they committed; items still in flight are lost).
    """
    config = components.as_config_dict(config)
    mpo_config = components.mpo_config(config)
    policy, critic = components.make_networks(config)
    client = reverb.Client(replay_address)
    publisher = variables.VariablePublisher(client, components.replay_config(config).variables_table)
    state = _init_state(config, policy, critic, mpo_config)
    checkpoint = checkpoints.latest(checkpoint_dir)
    if checkpoint is not None:
        state = checkpoints.restore(checkpoint[1], state)
        logging.info("learner resumed from %s", checkpoint[1])
    # Actors wait for parameters: publish before the first (blocking) sample.
    publisher.publish({"policy": state.target_policy_params}, version=int(state.steps))
    existing = [d for d in dataset_dirs if (pathlib.Path(d) / layout.INDEX).exists()]
    iterator, replay = _batches(config, replay_address, existing, int(state.steps))
    period = config.learner
    learner = mpo_learning.MPOLearner((policy, critic), mpo_config, iterator, jax.random.PRNGKey(config.seed),
                                      rgb_stacking_env.TASK_NAMES, updates_per_step=period.updates_per_step)
    learner.restore(state)
    writer = metrics_lib.MetricsWriter(metrics_dir, "learner")
    steps = int(state.steps)
    progress = tqdm(total=period.num_steps, initial=steps, desc="COLLECT learner updates", mininterval=10.0)
    last_log = (time.monotonic(), steps)
    while steps < period.num_steps:
        metrics = learner.step()
        before, steps = steps, int(metrics["steps"])
        progress.update(steps - before)
        if not all(np.isfinite(v) for v in metrics.values()):
            raise FloatingPointError(f"non-finite learner metrics at step {steps}: "
                                     f"{sorted(k for k, v in metrics.items() if not np.isfinite(v))}")
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


def _episode_seed(config, actor_id: int, episode_index: int) -> int:
    """The seed episode `episode_index` of actor `actor_id` resets the environment with (and records)."""
    return int(np.random.SeedSequence([config.seed, actor_id, episode_index]).generate_state(1)[0])


def run_actor(config: Config, actor_id: int, replay_address: str, dataset_dir: str, metrics_dir: str,
              stage: str = "collect", evaluation: bool = False, max_episodes: int | None = None,
              pause_s: float = 0.0) -> None:
    """Collects episodes forever (or `max_episodes`): SAC-X schedule, n-step adder, RLDS writer.

    A `config.actors.scripted_fraction` share of episodes is driven by the noisy scripted stacking
    policy instead (task_sequence ('scripted',), no scheduler update, transitions marked
    extras['demonstration'] = 1).
    With `evaluation`, acts with the policy mean of one head per episode, cycling over
    `config.evaluator.tasks`, feeds no replay and pauses `pause_s` after each episode.
    Episode i is reset with `_episode_seed(config, actor_id, i)`, the seed its metadata records; the
    dataset's `environment` metadata rebuilds the environment (`python -m chef.data.replay`).
    A restarted actor appends to its dataset and continues its seed sequence.
    """
    config = components.as_config_dict(config)
    heads = components.head_names(config)
    actors_config = components.actors_config(config)
    scheduler_config = components.scheduler_config(config)
    evaluated = components.evaluated_tasks(config)
    writer = rlds_writer.EpisodeWriter(dataset_dir, rgb_stacking_env.TASK_NAMES,
                                       environment=components.environment_metadata(config))
    first_episode = writer.num_episodes
    seed = _episode_seed(config, actor_id, first_episode)
    scheduler = scheduler_lib.Scheduler(scheduler_config, seed=seed)
    env = components.make_env(config, seed=seed)
    policy, _ = components.make_networks(config)
    variable_client = variables.VariableClient(replay_address, components.replay_config(config).variables_table)
    actor = MPOActor(policy, variable_client, task=0, evaluation=evaluation, seed=seed)
    scripted = ScriptedStackingActor(env.to_canonical, actors_config.scripted_noise, seed=seed)
    rng = np.random.default_rng(seed)
    observers: list[episodes.Observer] = [writer]
    if not evaluation:
        adder = adders.NStepTransitionAdder(reverb.Client(replay_address), components.replay_config(config).data_tables,
                                            config.adder.n_step, config.adder.discount,
                                            chunk_length=config.adder.chunk_length)
        replay_observer = episodes.SelectKeys(adder, components.network_config(config).observation_keys)
        observers.append(replay_observer)
    metrics = metrics_lib.MetricsWriter(metrics_dir, "evaluator" if evaluation else f"actor_{actor_id}")
    main_index = rgb_stacking_env.TASK_NAMES.index(scheduler_config.main_task)
    episode = first_episode
    while max_episodes is None or episode < first_episode + max_episodes:
        episode_seed = _episode_seed(config, actor_id, episode)
        is_scripted = not evaluation and rng.uniform() < actors_config.scripted_fraction
        if not evaluation:
            replay_observer.extras = {types.DEMONSTRATION: np.float32(is_scripted)}
        if evaluation:
            names = (evaluated[episode % len(evaluated)],)
            result = episodes.run_episode(env, actor, [heads.index(names[0])], config.env.episode_length, observers,
                                          seed=episode_seed)
        elif is_scripted:
            names = (rlds_reader.SCRIPTED,)
            result = episodes.run_episode(env, scripted, [0], config.env.episode_length, observers, seed=episode_seed)
        else:
            schedule = scheduler.sample_schedule()
            names = scheduler.task_names(schedule)
            result = episodes.run_episode(env, actor, [heads.index(t) for t in names],
                                          scheduler_config.segment_length, observers, seed=episode_seed)
            scheduler.update(schedule, result.rewards[:, main_index])
        writer.end_episode(rlds_writer.EpisodeMetadata(
            stage=stage, success=result.success, policy_version=variable_client.version, task_sequence=names,
            triplet=components.triplet_label(env.simulation.scene.triplet),
            seed=episode_seed))
        row = {"episode": episode, "policy_version": variable_client.version, "length": result.length,
               "scripted": float(is_scripted)}
        if evaluation:
            index = rgb_stacking_env.TASK_NAMES.index(names[0])
            row.update({f"eval_return/{names[0]}": float(result.returns[index]),
                        f"eval_success/{names[0]}": float(result.success[index])})
        row.update({f"episode_return/{t}": float(r) for t, r in zip(rgb_stacking_env.TASK_NAMES, result.returns)})
        row.update({f"success/{t}": float(s) for t, s in zip(rgb_stacking_env.TASK_NAMES, result.success)})
        metrics.write(episode, row)
        episode += 1
        actor.update()  # The newest parameters after every episode.
        time.sleep(pause_s)
    metrics.close()
    writer.close()
    env.close()
