"""Object sets of the benchmark: the five test triplets and three random sets.

A set is chosen by name; `sample_triplet` draws the (red, green, blue) object
ids for one episode. Ids and membership come from dm-robotics-manipulation's
`rgb_object` module, the benchmark's own definition.
"""

from __future__ import annotations

from typing import Tuple

import numpy as np
from dm_robotics.manipulation.props.rgb_objects import rgb_object

Triplet = Tuple[str, str, str]  # (red id, green id, blue id)

TEST_TRIPLETS: dict[str, Triplet] = {
    str(i): tuple(rgb_object.PROP_TRIPLETS_TEST[f"rgb_test_triplet{i}"].ids) for i in range(1, 6)
}
TRAIN_OBJECTS: tuple[str, ...] = tuple(sorted(rgb_object.RGB_OBJECTS_TRAIN_SET))
HELDOUT_OBJECTS: tuple[str, ...] = tuple(sorted(rgb_object.RGB_OBJECTS_HELDOUT_SET))
RANDOM_SETS: tuple[str, ...] = ("test_random", "train_random", "heldout_random")
OBJECT_SETS: tuple[str, ...] = tuple(TEST_TRIPLETS) + RANDOM_SETS


def validate_object_set(name: str | int) -> str:
    """Canonical name of an object set ('1'..'5' or a random set); raises ValueError."""
    key = str(name)
    if key not in OBJECT_SETS:
        raise ValueError(f"Unknown object set {name!r}; valid object sets: {list(OBJECT_SETS)}")
    return key


def is_fixed(name: str) -> bool:
    """True when every episode of the set uses the same triplet."""
    return validate_object_set(name) in TEST_TRIPLETS


def sample_triplet(name: str, rng: np.random.Generator) -> Triplet:
    """The (red, green, blue) object ids of one episode of object set `name`."""
    key = validate_object_set(name)
    if key in TEST_TRIPLETS:
        return TEST_TRIPLETS[key]
    if key == "test_random":
        return TEST_TRIPLETS[str(rng.integers(1, 6))]
    pool = TRAIN_OBJECTS if key == "train_random" else HELDOUT_OBJECTS
    red, green, blue = rng.choice(len(pool), size=3, replace=False)
    return pool[red], pool[green], pool[blue]


def triplet_label(triplet: Triplet) -> str:
    """'1'..'5' for a test triplet, else the object ids 'red,green,blue'."""
    for name, test_triplet in TEST_TRIPLETS.items():
        if tuple(test_triplet) == tuple(triplet):
            return name
    return ",".join(triplet)
