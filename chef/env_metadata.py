"""What rebuilds the environment that made a dataset: the `environment` metadata of `EpisodeWriter`.

`describe(env)` turns a benchmark environment (an `RgbStackingEnv`, possibly inside chef's
wrappers) into a JSON-able dict; `rebuild(environment)` makes an equal environment from it.
Together with an episode's `seed` (its `reset(seed=...)`) and its stored actions this replays
the episode (`chef.data.replay`).

    {"object_set": "1", "observation_set": "state", "camera_size": 64, "episode_length": 400,
     "force_termination_threshold": null, "canonical_actions": true, "decision_period": 1,
     "physics": {...PhysicsOptions...}}

`object_set` null: the object set changes per episode and is the episode's `triplet` ('1'..'5';
the evaluation stage). `canonical_actions`: the stored actions are in [-1, 1]
(`chef.wrappers.CanonicalActions`). `decision_period` P > 1: each stored action was held for P
control steps (`chef.wrappers.ActionRepeat`). `chained_segments` (MT-Opt collection): an episode
whose seed equals the previous episode's goes on from that episode's final state.
"""

import dataclasses
from typing import Any, Mapping

import dm_env

from chef import wrappers
from rgb_stacking_env.environment import EnvConfig, RgbStackingEnv
from rgb_stacking_env.scene import PhysicsOptions

MAKE_KEYS = ("object_set", "observation_set", "camera_size", "episode_length", "force_termination_threshold")


def describe(env: dm_env.Environment, **overrides: Any) -> dict[str, Any]:
    """The environment metadata of `env` (chef wrappers around an `RgbStackingEnv`), with
    `overrides` (e.g. `object_set=None`) replacing entries."""
    canonical, period = False, 1
    while isinstance(env, wrappers.EnvironmentWrapper):
        if isinstance(env, wrappers.CanonicalActions):
            canonical = True
        elif isinstance(env, wrappers.ActionRepeat):
            period *= env.period
        elif type(env) is not wrappers.EnvironmentWrapper:
            raise TypeError(f"no environment metadata for the wrapper {type(env).__name__}")
        env = env._environment  # noqa: SLF001 (the wrappers' own chain)
    if not isinstance(env, RgbStackingEnv):
        raise TypeError(f"environment metadata describes an RgbStackingEnv, got {type(env).__name__}")
    config = env.config
    metadata = {key: getattr(config, key) for key in MAKE_KEYS}
    metadata.update(canonical_actions=canonical, decision_period=period, physics=dataclasses.asdict(config.physics))
    unknown = set(overrides) - set(metadata) - {"chained_segments"}
    if unknown:
        raise ValueError(f"unknown environment metadata {sorted(unknown)}; keys: {sorted(metadata)}")
    metadata.update(overrides)
    return metadata


def rebuild(environment: Mapping[str, Any], object_set: str | None = None) -> dm_env.Environment:
    """An environment like the one `environment` (from `describe`) describes, wrapped as it was;
    `object_set` replaces the recorded one (required when that is null). Reset it with the
    episode's seed."""
    missing = [key for key in MAKE_KEYS if key not in environment]
    if missing:
        raise ValueError(f"environment metadata lacks {missing}: {dict(environment)}")
    object_set = object_set or environment["object_set"]
    if object_set is None:
        raise ValueError("the environment metadata has no object_set (it changes per episode): pass object_set")
    physics = PhysicsOptions(**environment.get("physics", {}))
    config = EnvConfig(
        object_set=str(object_set),
        observation_set=environment["observation_set"],
        camera_size=int(environment["camera_size"]),
        episode_length=int(environment["episode_length"]),
        force_termination_threshold=environment["force_termination_threshold"],
        physics=physics,
    )
    env: dm_env.Environment = RgbStackingEnv(config)
    if environment.get("canonical_actions", False):
        env = wrappers.CanonicalActions(env)
    period = int(environment.get("decision_period", 1))
    if period > 1:
        env = wrappers.ActionRepeat(env, period)
    return env
