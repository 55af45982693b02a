import numpy as np

from chef.utils import seeds


def test_episode_seeds_follow_the_seed_sequence_of_seed_stream_and_episode():
    assert seeds.episode_seed(3, 0, 5) == int(np.random.SeedSequence([3, 0, 5]).generate_state(1)[0])
    drawn = {seeds.episode_seed(s, stream, e) for s in range(3) for stream in range(3) for e in range(20)}
    assert len(drawn) == 3 * 3 * 20
