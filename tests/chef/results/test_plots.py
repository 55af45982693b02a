import pandas as pd
import pytest

from chef.results import plots, run_reader, tables
from tests.chef.results.synthetic_run import EXECUTE_TABLE

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _is_png(path) -> bool:
    return path.is_file() and path.stat().st_size > 1000 and path.read_bytes()[:8] == PNG_SIGNATURE


def test_plot_stage_draws_learner_actor_and_evaluator_curves(tiny_run, tmp_path):
    stage = run_reader.load_run(tiny_run).stage("collect")
    paths = plots.plot_stage(stage, tmp_path / "plots")
    assert sorted(p.name for p in paths) == [
        "collect_actors_episode_return.png",
        "collect_actors_success.png",
        "collect_evaluator_eval_return.png",
        "collect_evaluator_eval_success.png",
        "collect_learner.png",
        "collect_learner_q_mean.png",
    ]
    assert all(_is_png(p) for p in paths)


def test_plot_stage_compares_sweep_candidates(tiny_run, tmp_path):
    stage = run_reader.load_run(tiny_run).stage("sweep")
    paths = plots.plot_stage(stage, tmp_path)
    assert [p.name for p in paths] == [
        "sweep_candidates_critic_loss.png",
        "sweep_candidates_kl_mean.png",
        "sweep_candidates_temperature.png",
    ]
    assert all(_is_png(p) for p in paths)


def test_plot_success_bars(tmp_path):
    path = plots.plot_success_bars(tables.rate_frame(EXECUTE_TABLE), tmp_path / "bars.png")
    assert _is_png(path)


def test_task_columns_and_missing_metric_errors(tmp_path):
    frame = pd.DataFrame({"step": [0, 1], "success/lift": [0.0, 1.0], "success/stack": [0.0, 0.0]})
    assert plots.task_columns(frame, "success") == {"lift": "success/lift", "stack": "success/stack"}
    with pytest.raises(ValueError, match=r"no 'q_mean/<task>' columns to plot; columns: \['step'"):
        plots.plot_task_curves(frame, "q_mean", tmp_path / "q.png")
    with pytest.raises(ValueError, match=r"none of \['critic_loss'\] to plot"):
        plots.plot_scalars(frame, ["critic_loss"], tmp_path / "l.png")
