"""Running a trained policy on the main task: success per triplet, RLDS records, videos."""
import pathlib
from typing import Sequence

import jax
import numpy as np
from tqdm import tqdm

import rgb_stacking_env
from rgb_stacking_env import render
from chef import types
from chef.agents.mpo.actor import MPOActor, StaticVariableSource
from chef.data import rlds_writer
from chef.results.stats import SuccessCount
from chef.stages import checkpoints, components, episodes

TEST_TRIPLETS = ("1", "2", "3", "4", "5")


def load_policy_params(config, policy_dir: str | pathlib.Path) -> types.Params:
    """The policy parameters saved by a learner at `policy_dir` (shape from the config)."""
    policy, _ = components.make_networks(config)
    like = policy.init(jax.random.PRNGKey(0), components.example_batch(config))
    return checkpoints.restore(policy_dir, like)


def _main_head_actor(config, params: types.Params, seed: int) -> MPOActor:
    policy, _ = components.make_networks(config)
    main_head = components.head_names(config).index(config.scheduler.main_task)
    return MPOActor(policy, StaticVariableSource({"policy": params}), task=main_head, evaluation=True, seed=seed)


def episode_seed(seed: int, triplet: str, episode: int) -> int:
    """The seed evaluation episode `episode` of `triplet` is reset with (and records)."""
    return int(np.random.SeedSequence([seed, int(triplet), episode]).generate_state(1)[0])


def evaluate(config, params: types.Params, episodes_per_triplet: int, *, triplets: Sequence[str] = TEST_TRIPLETS,
             dataset_dir: str | None = None, stage: str = "execute", checkpoint: str = "", seed: int = 0,
             progress_label: str = "evaluate") -> dict[str, SuccessCount]:
    """Main-task success of the policy's mean action, `episodes_per_triplet` episodes per triplet.

    Every episode is written to `dataset_dir` (RLDS) when given; a rerun appends. Episode e of
    triplet t is reset with (and records) `episode_seed(seed, t, e)`; the dataset's `environment`
    metadata has object_set null: each episode's is its `triplet`.
    """
    actor = _main_head_actor(config, params, seed)
    writer = rlds_writer.EpisodeWriter(dataset_dir, rgb_stacking_env.TASK_NAMES,
                                       environment=components.environment_metadata(config, object_set=None)
                                       ) if dataset_dir else None
    main = rgb_stacking_env.TASK_NAMES.index(config.scheduler.main_task)
    counts = {}
    bar = tqdm(total=len(triplets) * episodes_per_triplet, desc=progress_label, mininterval=5.0)
    for triplet in triplets:
        env = components.make_env(config, seed=int(np.random.SeedSequence([seed, int(triplet)]).generate_state(1)[0]),
                                  object_set=triplet)
        successes = 0
        for episode in range(episodes_per_triplet):
            reset_seed = episode_seed(seed, triplet, episode)
            result = episodes.run_episode(env, actor, [actor.task], config.env.episode_length,
                                          [writer] if writer else [], seed=reset_seed)
            successes += result.success[main]
            if writer:
                writer.end_episode(rlds_writer.EpisodeMetadata(
                    stage=stage, success=result.success, checkpoint=checkpoint,
                    task_sequence=(config.scheduler.main_task,), triplet=triplet, seed=reset_seed))
            bar.update()
        env.close()
        counts[triplet] = SuccessCount(successes, episodes_per_triplet)
    bar.close()
    if writer:
        writer.close()
    return counts


def record_video(config, params: types.Params, path: str, triplet: str = "1", seed: int = 0) -> dict[str, float]:
    """Writes a video of one main-task episode of the policy; returns the final rewards."""
    actor = _main_head_actor(config, params, seed)
    env = components.make_env(config, seed=seed, object_set=triplet)
    try:
        frames, rewards = render.record_episode(env, actor.select_action, height=288, with_basket_cameras=True)
    finally:
        env.close()
    render.write_video(path, frames)
    return rewards
