"""COLLECT's evaluator node: the newest published policy's mean action, one head per episode.

It feeds no replay; its episodes go to an RLDS dataset (`datasets/evaluator/` in COLLECT) and its
rows to the metrics file 'evaluator'.
"""

import time
from typing import Any, Mapping

from chef.data import rlds_writer
from chef.replay import variables
from chef.stages import components, episodes
from chef.utils import metrics as metrics_lib
from chef.utils import seeds
from rgb_stacking_env import object_sets

# The evaluator's seed stream (`seeds.episode_seed`): the actor id COLLECT's evaluator used to
# run under, so its episodes keep their seeds.
SEED_STREAM = 10_000
METRICS_NAME = "evaluator"


def run_evaluator(
    config: Mapping[str, Any],
    replay_address: str,
    dataset_dir: str,
    metrics_dir: str,
    stage: str = "collect",
    max_episodes: int | None = None,
) -> None:
    """Evaluates forever (or `max_episodes`): episode i acts with the policy mean of head
    `evaluated_tasks[i % len]` (`config.evaluator.tasks`, () = every head), then fetches the newest
    parameters and pauses `config.evaluator.period_s`.

    Episode i is reset with `seeds.episode_seed(config.seed, SEED_STREAM, i)`, the seed its metadata
    records; a restarted evaluator appends to its dataset and continues its seed sequence.
    """
    spec = components.StageSpec.from_config(config)
    config, tasks, evaluated = spec.config, spec.tasks, spec.evaluated_tasks
    builder = spec.mpo_builder()
    writer = rlds_writer.EpisodeWriter(dataset_dir, tasks.reward_names, environment=spec.environment)
    first_episode = writer.num_episodes
    seed = seeds.episode_seed(config.seed, SEED_STREAM, first_episode)
    env = spec.make_env(seed)
    policy, _ = builder.make_networks()
    variable_client = variables.VariableClient(replay_address, spec.replay.variables_table)
    actor = builder.make_actor(policy, variable_client, evaluation=True, seed=seed)
    metrics = metrics_lib.MetricsWriter(metrics_dir, METRICS_NAME)
    episode = first_episode
    while max_episodes is None or episode < first_episode + max_episodes:
        episode_seed = seeds.episode_seed(config.seed, SEED_STREAM, episode)
        task = evaluated[episode % len(evaluated)]
        result = episodes.run_episode(
            env, actor, [tasks.head(task)], config.env.episode_length, [writer], seed=episode_seed
        )
        writer.end_episode(
            rlds_writer.EpisodeMetadata(
                stage=stage,
                success=result.success,
                policy_version=variable_client.version,
                task_sequence=(task,),
                triplet=object_sets.triplet_label(env.simulation.scene.triplet),
                seed=episode_seed,
            )
        )
        column = tasks.reward_column(task)
        row = {
            "episode": episode,
            "policy_version": variable_client.version,
            "length": result.length,
            "scripted": 0.0,
            f"eval_return/{task}": float(result.returns[column]),
            f"eval_success/{task}": float(result.success[column]),
        }
        metrics.write(episode, dict(row, **episodes.task_metrics(result, tasks.reward_names)))
        episode += 1
        actor.update()  # The newest parameters after every episode.
        time.sleep(spec.evaluator.period_s)
    metrics.close()
    writer.close()
    env.close()
