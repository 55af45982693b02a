"""The project's seed stream: the seed an actor's, an evaluator's or an evaluation's episode is
reset with (MT-Opt's collection draws its chain seeds otherwise: `chef.mtopt.collection.chain_seed`)."""

import numpy as np


def episode_seed(seed: int, stream: int, episode: int) -> int:
    """The seed episode `episode` of seed stream `stream` (an actor's id, an object set's or a task's
    stream) is reset with under run seed `seed`: a 32-bit SeedSequence draw."""
    return int(np.random.SeedSequence([seed, stream, episode]).generate_state(1)[0])
