"""TaskLayout: head index and reward column of a task name."""

import pytest

import rgb_stacking_env
from chef.task_layout import TaskLayout


def test_heads_and_reward_columns_are_answered_by_name():
    layout = TaskLayout(("stack_leave", "lift"))
    assert layout.head("lift") == 1 and layout.head("stack_leave") == 0
    assert layout.reward_column("lift") == rgb_stacking_env.TASK_NAMES.index("lift")
    assert layout.reward_columns == (
        rgb_stacking_env.TASK_NAMES.index("stack_leave"),
        rgb_stacking_env.TASK_NAMES.index("lift"),
    )
    assert TaskLayout.all_tasks().reward_columns == tuple(range(len(rgb_stacking_env.TASK_NAMES)))


def test_bad_layouts_and_unknown_tasks_are_named():
    with pytest.raises(ValueError, match="unknown tasks"):
        TaskLayout(("tidy",))
    with pytest.raises(ValueError, match="duplicate heads"):
        TaskLayout(("lift", "lift"))
    with pytest.raises(ValueError, match="has no head"):
        TaskLayout(("lift",)).head("stack")
