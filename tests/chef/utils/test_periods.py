import pytest

from chef.utils import periods


@pytest.mark.parametrize(
    "before, after, period, due",
    [
        (0, 10, 10, True),
        (10, 20, 50, False),
        (40, 50, 50, True),
        (45, 55, 50, True),
        (50, 60, 50, False),
        (99, 100, 100, True),
        (100, 101, 100, False),
    ],
)
def test_an_event_is_due_when_a_step_crosses_a_multiple_of_its_period(before, after, period, due):
    assert periods.crossed(before, after, period) is due
