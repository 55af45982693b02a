import math

import pandas as pd
import pytest

from chef.results import tables
from chef.results.markdown import to_markdown
from chef.results.stats import SuccessCount as C

TABLE = {
    "small": {"1": C(9, 10), "2": C(8, 10)},
    "large": {"1": C(8, 10), "2": C(9, 10)},
    "bc": {"1": C(2, 10), "2": C(0, 10)},
}


def test_markdown_renderer_aligns_numbers_and_shows_missing_values():
    frame = pd.DataFrame(
        {"name": ["a|b", None], "rate": [0.5, math.nan], "n": [3, 4]}, index=pd.Index(["x", "y"], name="row")
    )
    assert to_markdown(frame) == (
        "| row | name | rate | n |\n| --- | --- | ---: | ---: |\n| x | a\\|b | 0.500 | 3 |\n| y | - | - | 4 |\n"
    )
    assert to_markdown(frame[["n"]], index=False) == "| n |\n| ---: |\n| 3 |\n| 4 |\n"


def test_triplet_order_is_natural():
    assert tables.triplet_order(["10", "test_random", "2", "1"]) == ["1", "2", "10", "test_random"]


def test_ranking_breaks_ties_by_mean_then_name():
    # All pooled 10/20; 'low_mean' has the lower mean over triplets (0/2, 10/18).
    table = {
        "low_mean": {"1": C(0, 2), "2": C(10, 18)},
        "b_even": {"1": C(5, 10), "2": C(5, 10)},
        "a_even": {"1": C(5, 10), "2": C(5, 10)},
        "best": {"1": C(6, 10), "2": C(5, 10)},
    }
    assert tables.rank_candidates(table) == ["best", "a_even", "b_even", "low_mean"]
    assert tables.rank_candidates(TABLE) == ["large", "small", "bc"]


def test_a_tie_in_success_is_broken_by_the_main_task_return():
    zeros = {"a_bc": {"4": C(0, 50)}, "b_rl": {"4": C(0, 50)}, "c_rl": {"4": C(0, 50)}, "d": {"4": C(1, 50)}}
    returns = {"a_bc": 0.5, "b_rl": 12.0, "c_rl": 3.0}  # 'd' has none: it ranks on success alone.
    assert tables.rank_candidates(zeros) == ["d", "a_bc", "b_rl", "c_rl"]
    assert tables.rank_candidates(zeros, returns) == ["d", "b_rl", "c_rl", "a_bc"]
    results = tables.execute_results(zeros, episodes_per_triplet=50, returns=returns)
    assert results["ranking"] == ["d", "b_rl", "c_rl", "a_bc"] and results["main_task_return"] == returns
    markdown = tables.execute_markdown(zeros, returns=returns)
    assert "| rank | triplet 4 | Average | return |" in markdown.replace("candidate | ", "")
    assert markdown.index("b_rl") < markdown.index("c_rl") < markdown.index("a_bc")


def test_rate_frame_values():
    frame = tables.rate_frame(TABLE)
    assert list(frame.columns) == ["1", "2", "Average"]
    assert frame.loc["small"].tolist() == pytest.approx([0.9, 0.8, 0.85])
    assert frame.loc["bc", "Average"] == pytest.approx(0.1)


def test_execute_markdown_exact():
    assert tables.execute_markdown(TABLE) == (
        "stack_leave success, 95% Wilson intervals\n\n"
        "| candidate | rank | triplet 1 | triplet 2 | Average |\n"
        "| --- | ---: | --- | --- | --- |\n"
        "| large | 1 | 80% [49-94] | 90% [60-98] | 85% [64-95] |\n"
        "| small | 2 | 90% [60-98] | 80% [49-94] | 85% [64-95] |\n"
        "| bc | 3 | 20% [6-51] | 0% [0-28] | 10% [3-30] |\n"
    )
    assert tables.execute_markdown(TABLE, main_task="lift").startswith("lift success, 95% Wilson intervals")


def test_execute_results_round_trip():
    results = tables.execute_results(TABLE, episodes_per_triplet=10)
    assert results["main_task"] == "stack_leave" and results["ranking"] == ["large", "small", "bc"]
    assert results["table"]["bc"]["1"] == {"successes": 2, "episodes": 10}
    assert tables.parse_count_table(results["table"]) == TABLE


def test_parse_count_table_names_the_bad_cell():
    with pytest.raises(ValueError, match=r"table\['bc'\]\['1'\]: expected"):
        tables.parse_count_table({"bc": {"1": {"successes": 1}}})
    with pytest.raises(ValueError, match=r"table\['bc'\]: expected a mapping triplet -> counts, got 3"):
        tables.parse_count_table({"bc": 3})


def test_table_one_markdown_exact():
    stage_counts = {
        "FINE-TUNE": {"1": C(10, 10), "2": C(9, 10)},
        "COLLECT": {"1": C(1, 10), "2": C(3, 10)},
        **tables.stage_counts_from_execute(TABLE, "large"),
    }
    assert stage_counts["HYPERPARAM"] == TABLE["large"]
    assert stage_counts["EXECUTE"] == {"1": C(19, 30), "2": C(17, 30)}
    assert tables.table_one_markdown(stage_counts) == (
        "stack_leave success per test triplet, 95% Wilson intervals\n\n"
        "| stage | triplet 1 | triplet 2 | Average |\n"
        "| --- | --- | --- | --- |\n"
        "| COLLECT | 10% [2-40] | 30% [11-60] | 20% [8-42] |\n"
        "| HYPERPARAM | 80% [49-94] | 90% [60-98] | 85% [64-95] |\n"
        "| EXECUTE | 63% [46-78] | 57% [39-73] | 60% [47-71] |\n"
        "| FINE-TUNE | 100% [72-100] | 90% [60-98] | 95% [76-99] |\n"
    )


def test_table_one_refuses_unknown_stage():
    with pytest.raises(ValueError, match=r"unknown stage\(s\) \['TRAIN'\]; valid stages"):
        tables.table_one({"TRAIN": {"1": C(1, 2)}})


def test_missing_triplet_shows_dash():
    frame = tables.formatted_frame({"a": {"1": C(1, 2)}, "b": {"2": C(2, 2)}})
    assert frame.loc["a", "triplet 2"] == "-" and frame.loc["b", "triplet 1"] == "-"
