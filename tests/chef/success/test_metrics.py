import numpy as np
import pandas as pd
import pytest

from chef.success import metrics

TASKS = ("lift_red", "lift_blue")
# Examples 0-3 collected for lift_red, 4-6 for lift_blue.
PRIMARY = np.array([0, 0, 0, 0, 1, 1, 1])
LABELS = np.array([[1, 0], [1, 0], [0, 0], [0, 1], [0, 1], [0, 0], [1, 1]], bool)
PROBS = np.array(
    [
        [0.9, 0.1],  # red TP, blue TN (other)
        [0.2, 0.1],  # red FN, blue TN (other)
        [0.7, 0.0],  # red FP, blue TN (other)
        [0.1, 0.4],  # red TN, blue FN (other)
        [0.6, 0.8],  # red FP (other), blue TP
        [0.1, 0.9],  # red TN (other), blue FP
        [0.3, 0.95],
    ]
)  # red FN (other), blue TP


def test_error_rates_in_table_three_layout():
    table = metrics.detector_error_rates(PROBS, LABELS, PRIMARY, TASKS)
    expected = pd.DataFrame(
        {
            "total": [4, 3],
            "successes": [2, 2],
            "failures": [2, 1],
            "false_negatives": [1, 0],
            "false_positives": [1, 1],
            "success_rate": [0.5, 2 / 3],
            "false_negative_rate": [0.5, 0.0],
            "false_positive_rate": [0.5, 1.0],
            "other_task_false_negative_rate": [1.0, 1.0],
            "other_task_false_positive_rate": [0.5, 0.0],
        },
        index=pd.Index(TASKS, name="task"),
    )
    pd.testing.assert_frame_equal(table, expected, check_dtype=False)
    assert metrics.accuracy(PROBS, LABELS) == pytest.approx(8 / 14)


def test_unmeasurable_rates_are_nan_and_bad_shapes_are_named():
    table = metrics.detector_error_rates(PROBS[:2], LABELS[:2], PRIMARY[:2], TASKS)
    assert np.isnan(table.loc["lift_blue", "false_negative_rate"])
    assert np.isnan(table.loc["lift_red", "other_task_false_positive_rate"])
    with pytest.raises(ValueError, match="must both be"):
        metrics.detector_error_rates(PROBS[:, :1], LABELS, PRIMARY, TASKS)


def test_own_task_errors_count_with_wilson_intervals():
    table = metrics.own_task_errors(metrics.detector_error_rates(PROBS, LABELS, PRIMARY, TASKS))
    # lift_red: its successes 0, 1 (1 missed), its failures 2, 3 (1 false alarm); lift_blue:
    # successes 4, 6 (none missed), failure 5 (a false alarm).
    assert table.loc["lift_red", "false_negatives"] == "1 / 2 (50.0 % [9.5-90.5])"
    assert table.loc["lift_red", "false_positives"] == "1 / 2 (50.0 % [9.5-90.5])"
    assert table.loc["lift_blue", "false_negatives"] == "0 / 2 (0.0 % [0.0-65.8])"
    assert table.loc["lift_blue", "false_positives"] == "1 / 1 (100.0 % [20.7-100.0])"
    none_collected = metrics.own_task_errors(metrics.detector_error_rates(PROBS[:4], LABELS[:4], PRIMARY[:4], TASKS))
    assert none_collected.loc["lift_blue"].tolist() == ["-", "-"]
