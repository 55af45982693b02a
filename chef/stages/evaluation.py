"""Running a trained policy on the main task: success per triplet, RLDS records, videos."""

import dataclasses
import pathlib
from typing import Sequence

import numpy as np
from tqdm import tqdm

from chef import types
from chef.agents.mpo.actor import MPOActor, StaticVariableSource
from chef.data import rlds_writer
from chef.results.stats import SuccessCount
from chef.stages import checkpoints, components, episodes
from chef.utils import seeds
from rgb_stacking_env import object_sets, render

TEST_TRIPLETS = ("1", "2", "3", "4", "5")


@dataclasses.dataclass(frozen=True)
class Evaluation:
    """What `evaluate` measured: main-task success per object set, and the main task's mean
    return per episode over all of them (a signal where every episode fails)."""

    counts: dict[str, SuccessCount]
    main_task_return: float


def load_policy_params(spec: components.StageSpec, policy_dir: str | pathlib.Path) -> types.Params:
    """The policy parameters saved by a learner at `policy_dir` (shape from the spec)."""
    builder = spec.mpo_builder()
    policy, _ = builder.make_networks()
    return checkpoints.restore(policy_dir, builder.init_policy_params(policy))


def _main_head_actor(spec: components.StageSpec, params: types.Params, seed: int) -> MPOActor:
    builder = spec.mpo_builder()
    policy, _ = builder.make_networks()
    return builder.make_actor(
        policy,
        StaticVariableSource({"policy": params}),
        task=spec.tasks.head(spec.scheduler.main_task),
        evaluation=True,
        seed=seed,
    )


def seed_stream(object_set: str) -> int:
    """The seed stream of an object set: a test triplet's number ('1'..'5'), then 6, 7, 8 for
    test_random, train_random and heldout_random."""
    return object_sets.OBJECT_SETS.index(object_sets.validate_object_set(object_set)) + 1


def episode_seed(seed: int, object_set: str, episode: int) -> int:
    """The seed evaluation episode `episode` of `object_set` is reset with (and records)."""
    return seeds.episode_seed(seed, seed_stream(object_set), episode)


def evaluate(
    spec: components.StageSpec,
    params: types.Params,
    episodes_per_triplet: int,
    *,
    triplets: Sequence[str] = TEST_TRIPLETS,
    dataset_dir: str | None = None,
    stage: str = "execute",
    checkpoint: str = "",
    seed: int = 0,
    progress_label: str = "evaluate",
) -> Evaluation:
    """Main-task success and return of the policy's mean action, `episodes_per_triplet` episodes per object set
    of `triplets` (a test triplet '1'..'5', or a random set such as 'test_random', whose episodes
    draw their triplet from it).

    Every episode is written to `dataset_dir` (RLDS) when given; a rerun appends. Episode e of
    object set t is reset with (and records) `episode_seed(seed, t, e)`; the dataset's
    `environment` metadata has object_set null: each episode's is its `triplet` (the triplet it
    drew: '1'..'5' for a test triplet, else the object ids).
    """
    actor = _main_head_actor(spec, params, seed)
    writer = (
        rlds_writer.EpisodeWriter(
            dataset_dir, spec.tasks.reward_names, environment=dict(spec.environment, object_set=None)
        )
        if dataset_dir
        else None
    )
    main_task = spec.scheduler.main_task
    main = spec.tasks.reward_column(main_task)
    counts, main_returns = {}, []
    bar = tqdm(total=len(triplets) * episodes_per_triplet, desc=progress_label, mininterval=5.0)
    for triplet in triplets:
        env = spec.make_env(
            seed=int(np.random.SeedSequence([seed, seed_stream(triplet)]).generate_state(1)[0]), object_set=triplet
        )
        successes = 0
        for episode in range(episodes_per_triplet):
            reset_seed = episode_seed(seed, triplet, episode)
            result = episodes.run_episode(
                env, actor, [actor.task], spec.config.env.episode_length, [writer] if writer else [], seed=reset_seed
            )
            successes += result.success[main]
            main_returns.append(float(result.returns[main]))
            if writer:
                writer.end_episode(
                    rlds_writer.EpisodeMetadata(
                        stage=stage,
                        success=result.success,
                        checkpoint=checkpoint,
                        task_sequence=(main_task,),
                        triplet=object_sets.triplet_label(env.simulation.scene.triplet),
                        seed=reset_seed,
                    )
                )
            bar.update()
        env.close()
        counts[triplet] = SuccessCount(successes, episodes_per_triplet)
    bar.close()
    if writer:
        writer.close()
    return Evaluation(counts, float(np.mean(main_returns)))


def record_video(
    spec: components.StageSpec, params: types.Params, path: str, triplet: str = "1", seed: int = 0
) -> dict[str, float]:
    """Writes a video of one main-task episode of the policy; returns the final rewards."""
    actor = _main_head_actor(spec, params, seed)
    env = spec.make_env(seed=seed, object_set=triplet)
    try:
        frames, rewards = render.record_episode(env, actor.select_action, height=288, with_basket_cameras=True)
    finally:
        env.close()
    render.write_video(path, frames)
    return rewards
