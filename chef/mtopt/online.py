"""MT-Opt's online loop: the learned policy collects more data, which joins the training data.

Round k (1..rounds) trains the multi-task QT-Opt learner on every episode so far (the
bootstrap dataset and the chains of rounds 1..k-1), continuing from round k-1's training
state, evaluates it per task, then collects `chains_per_round` chains with it: epsilon-greedy
CEM acting for the chain's pick task, then, from wherever the pick left the scene, for its
place task. A fraction `scripted_fraction` of the chains stays scripted (MT-Opt kept its
bootstrap policies collecting early on). `chef-mtopt-online` runs the loop.
"""

import dataclasses
import os

import dm_env
import numpy as np
import pandas as pd

from chef.agents.qtopt.actor import QtOptActor
from chef.agents.qtopt.config import QtOptConfig
from chef.agents.qtopt.learning import QtOptLearner
from chef.mtopt import collection, terminate, training
from chef.mtopt.episodes import EpisodeTable
from chef.mtopt.tasks import TaskFamily
from chef.utils.config import require

ONLINE_STAGE = "mtopt_online"  # EpisodeMetadata.stage of the learned policy's episodes.


@dataclasses.dataclass(frozen=True)
class OnlineConfig:
    rounds: int = 5
    steps_per_round: int = 2000  # Learner steps per round, continuing from the previous round.
    chains_per_round: int = 60  # Chains collected after each round's training.
    epsilon: float = 0.2  # Probability of a uniformly random action while collecting.
    scripted_fraction: float = 0.0  # Probability that a chain is scripted instead of learned.
    strategy: str = "skill"  # Impersonation (one of chef.mtopt.training.GRID_STRATEGIES).
    sampler: str = "rebalanced"

    def __post_init__(self):
        require(self.rounds >= 1, f"rounds must be >= 1, got {self.rounds}")
        require(self.steps_per_round >= 1, f"steps_per_round must be >= 1, got {self.steps_per_round}")
        require(self.chains_per_round >= 1, f"chains_per_round must be >= 1, got {self.chains_per_round}")
        require(0.0 <= self.epsilon <= 1.0, f"epsilon must lie in [0, 1], got {self.epsilon}")
        require(
            0.0 <= self.scripted_fraction <= 1.0, f"scripted_fraction must lie in [0, 1], got {self.scripted_fraction}"
        )
        require(
            self.strategy in training.GRID_STRATEGIES,
            f"strategy must be one of {training.GRID_STRATEGIES}, got {self.strategy!r}",
        )
        require(self.sampler in training.SAMPLERS, f"sampler must be one of {training.SAMPLERS}, got {self.sampler!r}")


class LearnedChain:
    """A `collection.ChainPolicy` of a QT-Opt actor: it acts for each segment's task.

    With `with_terminate` the actor's TERMINATE switch ends the segment (returns None) when
    segments end at success (`episode_end='success'`), and is dropped with 'deadline' (segments
    run to their step limit; every recorded step yields a hindsight terminate example anyway)."""

    stage = ONLINE_STAGE

    def __init__(
        self, actor: QtOptActor, family: TaskFamily, with_terminate: bool = False, episode_end: str = "success"
    ):
        self._actor, self._family, self._with_terminate = actor, family, with_terminate
        self._terminates = with_terminate and episode_end == "success"

    def start(self, first_observation: dict) -> None:
        del first_observation  # The actor keeps no per-chain state.

    def _act(self, observation: dict) -> np.ndarray | None:
        action = self._actor.select_action(observation)
        if not self._with_terminate:
            return action
        action, ends = terminate.split(action)
        return None if ends and self._terminates else action

    def pick(self, task: str) -> collection.Policy:
        self._actor.task_id = self._family.task_id(task)
        return self._act

    place = pick  # Acts for the place task from the state the pick segment left.


def collect_round(
    directory: str | os.PathLike,
    env: dm_env.Environment,
    family: TaskFamily,
    learner: QtOptLearner,
    qtopt: QtOptConfig,
    grid: training.GridConfig,
    collect_config: collection.CollectionConfig,
    online: OnlineConfig,
    seed: int,
) -> list[dict]:
    """Collects `online.chains_per_round` chains with `learner`'s policy into `directory`."""
    builder = training.qtopt_builder(qtopt, family, *training.q_action_bounds(env, grid))
    actor = builder.make_actor(learner.network, learner, task_id=0, epsilon=online.epsilon, seed=seed)
    config = dataclasses.replace(collect_config, num_chains=online.chains_per_round)
    return collection.collect_dataset(
        directory,
        env,
        family,
        config,
        seed,
        LearnedChain(actor, family, grid.terminate, grid.episode_end),
        online.scripted_fraction,
    )


def learned_successes(summaries: list[dict], family: TaskFamily) -> dict[str, dict[str, int]]:
    """{skill: {'successes', 'segments'}} of the learned policy's segments (collected-for task)."""
    counts = {skill: {"successes": 0, "segments": 0} for skill in family.skills}
    for summary in summaries:
        if summary["stage"] == ONLINE_STAGE:
            skill = counts[family.task(summary["task"]).skill]
            skill["successes"] += int(summary["success"])
            skill["segments"] += 1
    return counts


def round_row(
    round_index: int,
    table: EpisodeTable,
    learner: QtOptLearner,
    metrics: dict[str, float],
    rates: dict[str, float],
    summaries: list[dict],
    family: TaskFamily,
) -> dict:
    """One results row: the data trained on, the learner's steps so far and final metrics, the
    evaluation and the collection."""
    return {
        "round": round_index,
        "episodes": len(table),
        "data_steps": int(table.lengths.sum()),
        "learner_steps": int(learner.save().steps),
        "q_mean": metrics["q_mean"],
        "target_mean": metrics["target_mean"],
        "rates": rates,
        "mean_success": float(np.mean(list(rates.values()))),
        "collected_episodes": len(summaries),
        "learned_chains": len({s["chain"] for s in summaries if s["stage"] == ONLINE_STAGE}),
        "learned_successes": learned_successes(summaries, family),
    }


def rounds_table(rows: list[dict]) -> pd.DataFrame:
    """One row per round: episodes trained on, learner steps so far, mean success, final Q and
    target means, and the learned chains' successes per skill ('successes/segments')."""
    table = {}
    for row in rows:
        learned = {
            f"learned {skill}": f"{c['successes']}/{c['segments']}" for skill, c in row["learned_successes"].items()
        }
        table[row["round"]] = {
            "episodes": row["episodes"],
            "learner_steps": row["learner_steps"],
            "mean_success": row["mean_success"],
            "q_mean": row["q_mean"],
            "target_mean": row["target_mean"],
            "learned_chains": row["learned_chains"],
            **learned,
        }
    return pd.DataFrame.from_dict(table, orient="index").rename_axis("round")
