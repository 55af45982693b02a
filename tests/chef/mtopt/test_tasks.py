import numpy as np
import pytest

from chef.mtopt import rgb_tasks
from chef.mtopt.tasks import TaskFamily, TaskSpec


def _family() -> TaskFamily:
    return TaskFamily(
        [
            TaskSpec("a1", "A", lambda s: s["x"] > 0),
            TaskSpec("b1", "B", lambda s: s["x"] > 1),
            TaskSpec("a2", "A", lambda s: s["x"] < 0),
        ]
    )


def test_lookups_and_one_hot():
    family = _family()
    assert family.names == ("a1", "b1", "a2")
    assert family.skills == ("A", "B")
    assert family.task_id("a2") == 2
    assert family.same_skill("a2") == ("a1", "a2")
    assert family.tasks_in_skill("B") == ("b1",)
    np.testing.assert_array_equal(family.one_hot("b1"), [0, 1, 0])
    np.testing.assert_array_equal(family.one_hot(["a2", "a1"]), [[0, 0, 1], [1, 0, 0]])
    assert family.success_labels({"x": 2.0}) == {"a1": True, "b1": True, "a2": False}


def test_unknown_names_list_valid_options():
    family = _family()
    with pytest.raises(ValueError, match=r"Unknown task 'zz'; valid tasks: \['a1', 'b1', 'a2'\]"):
        family.task_id("zz")
    with pytest.raises(ValueError, match="valid skills"):
        family.tasks_in_skill("C")
    with pytest.raises(ValueError, match="Duplicate task names"):
        TaskFamily([TaskSpec("a", "A", bool), TaskSpec("a", "B", bool)])


def _rgb_state(red, green, blue, tcp=(0.6, 0.0, 0.4), grasped=False):
    return {
        "red/position": np.asarray(red),
        "green/position": np.asarray(green),
        "blue/position": np.asarray(blue),
        "red/half_height": 0.02,
        "green/half_height": 0.02,
        "blue/half_height": 0.02,
        "floor_height": 0.05,
        "tcp/position": np.asarray(tcp),
        "gripper/grasped": grasped,
    }


def test_rgb_predicates():
    family = rgb_tasks.rgb_task_family()
    assert family.tasks_in_skill("acquisition") == ("lift-any", "lift-red", "lift-green", "lift-blue")
    # Red held 6 cm above the floor (bottom at 0.11 >= 0.05 + 0.05).
    lifted = family.success_labels(_rgb_state([0.6, 0, 0.13], [0.5, 0, 0.07], [0.7, 0, 0.07], grasped=True))
    assert {t for t, ok in lifted.items() if ok} == {"lift-any", "lift-red"}
    # Red resting on blue (2 cm xy offset; not lifted: bottom 4 cm above the floor), gripper
    # released 10 cm above red.
    stacked = family.success_labels(_rgb_state([0.72, 0, 0.11], [0.5, 0, 0.07], [0.7, 0, 0.07], tcp=(0.72, 0.0, 0.21)))
    assert {t for t, ok in stacked.items() if ok} == {"place-any", "place-red-on-blue", "stack_leave"}
    # Same stack but still grasped: placed, not left.
    held = family.success_labels(
        _rgb_state([0.72, 0, 0.11], [0.5, 0, 0.07], [0.7, 0, 0.07], tcp=(0.72, 0.0, 0.21), grasped=True)
    )
    assert not held["stack_leave"] and held["place-red-on-blue"]
    # Green beside blue (4 cm away in xy): not placed.
    beside = family.success_labels(_rgb_state([0.5, 0, 0.07], [0.74, 0, 0.11], [0.7, 0, 0.07]))
    assert not beside["place-green-on-blue"] and not beside["place-any"]
