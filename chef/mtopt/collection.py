"""Continuous multi-task collection: each chain is a pick task, then a place task.

After a reset the bootstrap policy acts for an acquisition task (lift-*) and, without a reset,
for a placement task (place-*, stack_leave). Each segment is written as its own RLDS episode
(MT-Opt's episode of one task): metadata `task_sequence = (task collected for,)`, `success` =
every family task's predicate on the segment's final state, `object_half_heights` = the objects'
half-heights in the scene at the chain's reset (`chain_metadata`), and a sparse reward: 0 until the
last step, which gets the success labels and discount 0 (MT-Opt episodes end where success is
judged).

Where a segment ends (`episode_end`, one of EPISODE_ENDS):
- 'success' (MT-Opt's): at the first decision after which the collected-for task's predicate
  holds, when the policy sets TERMINATE (a `Policy` returning None), or at the step limit
  (`pick_steps` / `place_steps`), whichever comes first;
- 'deadline': always at the step limit (success is judged there, whatever happened before).
A segment that ends before its first action writes no episode.

With `decision_period` P > 1 every recorded step is one decision held for P control steps
(`chef.wrappers.ActionRepeat`): pick_steps and place_steps stay in control steps, so a segment
has at most ceil(steps / P) steps.
A learned policy (a `ChainPolicy`, e.g. `chef.mtopt.online.LearnedChain`) can act
through chains in place of the scripted one; metadata `stage` names which acted.
Chain c of a collection with seed s is reset with `chain_seed(s, c)` = s * CHAINS_PER_SEED + c,
which both its segments record (`collection_seed` recovers s: the group of held-out splits). The
pick segment replays from it, the place segment after the pick segment (`chef.data.replay`; the
dataset's `environment` metadata has `chained_segments`).
"""

import dataclasses
import os
from typing import Callable, Optional, Protocol

import dm_env
import numpy as np
import tqdm

from chef import env_metadata, wrappers
from chef.data.rlds_writer import EpisodeMetadata, EpisodeWriter
from chef.mtopt import decisions, rgb_tasks
from chef.mtopt.bootstrap import NoisyPickPlace
from chef.mtopt.tasks import TaskFamily
from chef.utils.config import require

STAGE = "mtopt_bootstrap"
CHAINS_PER_SEED = 1_000_000  # Chain seeds of collection seed s: s * CHAINS_PER_SEED + chain.
EPISODE_ENDS = ("success", "deadline")  # Where a segment ends (module docstring).
Policy = Callable[[dict], Optional[np.ndarray]]  # None: TERMINATE (ends the segment; 'success' only).
# Called where each segment ends, with (environment, chain seed, collected-for task, the family's
# labels there), e.g. `chef.success.final_frames.FinalFrameRecorder` rendering the final frame.
SegmentEnd = Callable[[dm_env.Environment, int, str, dict[str, bool]], None]


@dataclasses.dataclass(frozen=True)
class CollectionConfig:
    num_chains: int = 100
    pick_steps: int = 300  # Control steps (20 Hz): long enough to lift (benchmarks/mtopt_segments.py).
    place_steps: int = 150
    aim_noise: float = 0.01  # m, per-segment xy aiming offset std.
    action_noise: float = 0.3  # Velocity noise std as a fraction of the bound.
    decision_period: int = 1  # Control steps per recorded agent step (`chef.mtopt.decisions`).
    random_action_probability: float = 0.0  # Per decision: uniform random arm velocities (exploration).
    # Per decision: the gripper command flipped, where the phase holds it open / closed (`NoisyPickPlace`).
    gripper_flip_probability: float = 0.0
    held_flip_probability: float = 0.0
    level_approach_probability: float = 0.0  # Per pick: approach from beside the object (`NoisyPickPlace`).
    episode_end: str = "success"  # One of EPISODE_ENDS.

    def __post_init__(self):
        require(
            1 <= self.num_chains <= CHAINS_PER_SEED,
            f"num_chains must be in [1, {CHAINS_PER_SEED}], got {self.num_chains}",
        )
        require(
            self.pick_steps >= 1 and self.place_steps >= 1,
            f"pick_steps and place_steps must be >= 1, got {self.pick_steps}, {self.place_steps}",
        )
        require(
            self.aim_noise >= 0 and self.action_noise >= 0,
            f"noise levels must be >= 0, got {self.aim_noise}, {self.action_noise}",
        )
        require(self.decision_period >= 1, f"decision_period must be >= 1, got {self.decision_period}")
        probabilities = (
            "random_action_probability",
            "gripper_flip_probability",
            "held_flip_probability",
            "level_approach_probability",
        )
        for name in probabilities:
            value = getattr(self, name)
            require(0.0 <= value <= 1.0, f"{name} must lie in [0, 1], got {value}")
        require(
            self.episode_end in EPISODE_ENDS, f"episode_end must be one of {EPISODE_ENDS}, got {self.episode_end!r}"
        )


def pick_colour(task: str, rng: np.random.Generator) -> str:
    """The object a scripted pick for `task` goes for ('lift-any': a random one)."""
    if task == "lift-any":
        return str(rng.choice(rgb_tasks.COLOURS))
    colour = task.removeprefix("lift-")
    if colour not in rgb_tasks.COLOURS:
        raise ValueError(f"no scripted pick for task {task!r}; pick tasks: lift-any, lift-<colour>")
    return colour


def place_target(task: str, held: str, rng: np.random.Generator) -> str:
    """The object a scripted place for `task` puts `held` on (a random other one if the
    task's target is the held object itself, or for 'place-any')."""
    others = [c for c in rgb_tasks.COLOURS if c != held]
    if task == "stack_leave":
        target = "blue"
    elif task.startswith("place-") and "-on-" in task:
        target = task.split("-on-")[1]
    elif task == "place-any":
        target = ""
    else:
        raise ValueError(f"no scripted place for task {task!r}; place tasks: place-any, place-<a>-on-<b>, stack_leave")
    return target if target in others else str(rng.choice(others))


def run_segment(
    env: dm_env.Environment,
    first: dm_env.TimeStep,
    policy: Policy,
    num_steps: int,
    family: TaskFamily,
    writer: EpisodeWriter | None,
    collected_for: str,
    metadata: EpisodeMetadata,
    episode_end: str = "success",
) -> tuple[dm_env.TimeStep, dict[str, bool]]:
    """Runs `policy` from `first` (the current state) until the segment ends (`episode_end`, see
    the module docstring), writing one episode.

    Returns the last environment timestep and the family's success labels at the end.
    """
    if num_steps < 1:
        raise ValueError(f"num_steps must be >= 1, got {num_steps}")
    timestep, steps = first, []  # steps: the (action, timestep) of each decision.
    for _ in range(num_steps):
        action = policy(timestep.observation)
        if action is None:
            if episode_end == "deadline":
                raise ValueError("a policy ended a segment (TERMINATE) with episode_end='deadline'")
            break
        timestep = env.step(action)
        steps.append((action, timestep))
        if timestep.last():
            break
        if episode_end == "success" and family.task(collected_for).success(
            rgb_tasks.final_state_from_simulation(env.simulation)
        ):
            break
    labels = family.success_labels(rgb_tasks.final_state_from_simulation(env.simulation))
    if writer is not None and steps:
        zero = np.zeros(len(family), np.float32)
        writer.add_first(dm_env.restart(first.observation))
        for action, step in steps[:-1]:
            writer.add(action, dm_env.transition(zero, step.observation))
        writer.add(
            steps[-1][0],
            dm_env.termination(np.asarray([labels[t] for t in family.names], np.float32), timestep.observation),
        )
        writer.end_episode(
            dataclasses.replace(
                metadata, success=tuple(labels[t] for t in family.names), task_sequence=(collected_for,)
            )
        )
    return timestep, labels


class ChainPolicy(Protocol):
    """Acts through one chain: `start` after the reset, then `pick(task)` and `place(task)`
    return the policies of the two segments (the place segment goes on from the pick's state)."""

    stage: str  # EpisodeMetadata.stage of the episodes it acts in.

    def start(self, first_observation: dict) -> None: ...

    def pick(self, task: str) -> Policy: ...

    def place(self, task: str) -> Policy: ...


class ScriptedChain:
    """`NoisyPickPlace` picks the pick task's object and puts it on the place task's target."""

    stage = STAGE

    def __init__(self, config: CollectionConfig, rng: np.random.Generator):
        self._rng = rng
        self._policy = NoisyPickPlace(
            config.aim_noise,
            config.action_noise,
            rng,
            config.decision_period,
            config.random_action_probability,
            config.gripper_flip_probability,
            config.held_flip_probability,
            config.level_approach_probability,
        )

    def start(self, first_observation: dict) -> None:
        self._policy.reset(first_observation)

    def pick(self, task: str) -> Policy:
        self._policy.start_pick(pick_colour(task, self._rng))
        return self._policy

    def place(self, task: str) -> Policy:
        self._policy.start_place(place_target(task, self._policy.held, self._rng))
        return self._policy


def chain_seed(seed: int, chain: int) -> int:
    """The seed chain `chain` of a collection with `seed` resets the environment with (and records);
    `collection_seed` recovers `seed` from it (the group of held-out splits)."""
    if seed < 0 or not 0 <= chain < CHAINS_PER_SEED:
        raise ValueError(f"need seed >= 0 and 0 <= chain < {CHAINS_PER_SEED}, got seed {seed}, chain {chain}")
    return int(seed) * CHAINS_PER_SEED + int(chain)


def chain_metadata(env: dm_env.Environment, stage: str, seed: int) -> EpisodeMetadata:
    """The metadata of a chain's segments, taken right after its reset: the objects' half-heights
    come from the scene there, where every object rests (a place segment starts with one in hand)."""
    return EpisodeMetadata(
        stage=stage, success=(), seed=seed, object_half_heights=rgb_tasks.scene_half_heights(env.simulation)
    )


def collection_seed(episode_seed: int) -> int:
    """The collection seed of an episode from its recorded (chain) seed."""
    return int(episode_seed) // CHAINS_PER_SEED


def collect(
    env: dm_env.Environment,
    writer: EpisodeWriter,
    family: TaskFamily,
    config: CollectionConfig,
    seed: int,
    learned: ChainPolicy | None = None,
    scripted_fraction: float = 0.0,
    segment_end: SegmentEnd | None = None,
) -> list[dict]:
    """Collects `config.num_chains` pick-then-place chains; returns one summary per segment.

    Every chain is scripted (`ScriptedChain`) unless `learned` is given; then a chain is scripted
    with probability `scripted_fraction` and acted by `learned` otherwise. A summary's 'stage'
    names the chain's policy. `segment_end` is called where each segment ends.
    """
    if not 0.0 <= scripted_fraction <= 1.0:
        raise ValueError(f"scripted_fraction must lie in [0, 1], got {scripted_fraction}")
    rng = np.random.default_rng(seed)
    env = decisions.with_decision_period(env, config.decision_period)
    pick_steps = decisions.num_decisions(config.pick_steps, config.decision_period)
    place_steps = decisions.num_decisions(config.place_steps, config.decision_period)
    scripted = ScriptedChain(config, rng)
    pick_tasks = family.tasks_in_skill(rgb_tasks.ACQUISITION)
    place_tasks = family.tasks_in_skill(rgb_tasks.PLACEMENT)
    summaries = []
    for chain in tqdm.trange(config.num_chains, desc="mtopt collection", leave=False):
        policy = scripted if learned is None or rng.random() < scripted_fraction else learned
        reset_seed = chain_seed(seed, chain)
        timestep = wrappers.reset(env, reset_seed)
        metadata = chain_metadata(env, policy.stage, reset_seed)
        policy.start(timestep.observation)
        pick_task = str(rng.choice(pick_tasks))
        timestep, labels = run_segment(
            env, timestep, policy.pick(pick_task), pick_steps, family, writer, pick_task, metadata, config.episode_end
        )
        summaries.append({"chain": chain, "task": pick_task, "success": labels[pick_task], "stage": policy.stage})
        if segment_end is not None:
            segment_end(env, reset_seed, pick_task, labels)
        if timestep.last():  # The environment ended the episode early; start a new chain.
            continue
        place_task = str(rng.choice(place_tasks))
        _, labels = run_segment(
            env,
            timestep,
            policy.place(place_task),
            place_steps,
            family,
            writer,
            place_task,
            metadata,
            config.episode_end,
        )
        summaries.append({"chain": chain, "task": place_task, "success": labels[place_task], "stage": policy.stage})
        if segment_end is not None:
            segment_end(env, reset_seed, place_task, labels)
    return summaries


def collect_dataset(
    directory: str | os.PathLike,
    env: dm_env.Environment,
    family: TaskFamily,
    config: CollectionConfig,
    seed: int,
    learned: ChainPolicy | None = None,
    scripted_fraction: float = 0.0,
    segment_end: SegmentEnd | None = None,
) -> list[dict]:
    """`collect` into a new (or appended-to) RLDS directory; returns the segment summaries."""
    environment = env_metadata.describe(
        decisions.with_decision_period(env, config.decision_period), chained_segments=True
    )
    writer = EpisodeWriter(directory, family.names, environment=environment)
    try:
        return collect(env, writer, family, config, seed, learned, scripted_fraction, segment_end)
    finally:
        writer.close()
