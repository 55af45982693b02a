"""Object sets: the reference triplets, random draws, and name validation."""

import numpy as np
import pytest

from rgb_stacking_env import object_sets


def test_test_triplets_match_the_reference_table():
    assert object_sets.TEST_TRIPLETS == {
        "1": ("r3", "s0", "b2"),
        "2": ("r5", "g2", "b3"),
        "3": ("r6", "g3", "b5"),
        "4": ("s0", "g5", "b6"),
        "5": ("r2", "g6", "s0"),
    }


def test_fixed_sets_always_give_their_triplet():
    rng = np.random.default_rng(0)
    assert object_sets.is_fixed("3")
    assert {object_sets.sample_triplet("3", rng) for _ in range(5)} == {("r6", "g3", "b5")}


@pytest.mark.parametrize(
    "name, pool", [("train_random", object_sets.TRAIN_OBJECTS), ("heldout_random", object_sets.HELDOUT_OBJECTS)]
)
def test_random_sets_draw_distinct_objects_from_their_pool(name, pool):
    rng = np.random.default_rng(0)
    triplets = [object_sets.sample_triplet(name, rng) for _ in range(20)]
    assert all(len(set(t)) == 3 and set(t) <= set(pool) for t in triplets)
    assert len(set(triplets)) > 10
    assert not object_sets.is_fixed(name)


def test_set_sizes_and_disjointness():
    assert len(object_sets.TRAIN_OBJECTS) == 103
    assert len(object_sets.HELDOUT_OBJECTS) == 49
    assert not set(object_sets.TRAIN_OBJECTS) & set(object_sets.HELDOUT_OBJECTS)


def test_test_random_draws_the_five_test_triplets():
    rng = np.random.default_rng(0)
    drawn = {object_sets.sample_triplet("test_random", rng) for _ in range(60)}
    assert drawn == set(object_sets.TEST_TRIPLETS.values())


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="triplet7.*valid object sets.*'1'.*'heldout_random'"):
        object_sets.validate_object_set("triplet7")
    assert object_sets.validate_object_set(4) == "4"
