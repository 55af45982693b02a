import json

import pytest

from chef.results import run_reader
from chef.results.run_reader import RunReadError
from chef.utils.metrics import MetricsWriter


def test_load_run_reads_every_stage(tiny_run):
    run = run_reader.load_run(tiny_run)
    assert run.name == "tiny"
    assert list(run.stages) == ["collect", "sweep", "execute", "pipeline"]
    collect = run.stage("collect")
    assert collect.done and collect.config == {"num_actors": 2}
    assert sorted(collect.metrics) == ["actor_0", "actor_1", "evaluator", "learner"]
    learner = collect.source("learner")
    assert learner["step"].tolist() == [0, 10, 20, 30, 40]
    assert learner["q_mean/stack_leave"].tolist() == pytest.approx([0, 1, 2, 3, 4])
    assert run.stage("execute").results["ranking"] == ["mpo_large", "mpo_small", "bc"]


def test_sweep_candidates_are_read(tiny_run):
    sweep = run_reader.load_run(tiny_run).stage("sweep")
    assert sorted(sweep.candidates) == ["bc", "mpo_large", "mpo_small"]
    candidate = sweep.candidates["mpo_small"]
    assert candidate.config == {"agent": "mpo"}
    assert candidate.metrics["learner"]["critic_loss"].iloc[0] == pytest.approx(2.0)
    assert sweep.results["candidates"]["bc"]["overrides"] == {"agent": "bc"}


def test_actors_are_merged_in_step_order(tiny_run):
    actors = run_reader.load_run(tiny_run).stage("collect").actors()
    assert len(actors) == 8
    assert actors["step"].is_monotonic_increasing
    assert sorted(actors["actor"].unique().tolist()) == [0, 1]


def test_list_metrics_are_expanded_with_names(tmp_path):
    writer = MetricsWriter(tmp_path, "learner")
    writer.write(1, {"q_mean": [0.5, 1.5]})
    writer.write(0, {"q_mean": [0.0, 1.0]})
    writer.close()
    named = run_reader.load_metrics(tmp_path / "learner.jsonl", list_names=("lift", "stack"))
    assert named["q_mean/stack"].tolist() == [1.0, 1.5]  # sorted by step
    assert "q_mean/1" in run_reader.load_metrics(tmp_path / "learner.jsonl").columns


def test_torn_last_line_is_skipped_but_a_corrupt_middle_line_raises(tmp_path):
    path = tmp_path / "learner.jsonl"
    path.write_text('{"step": 0, "x": 1}\n{"step": 1, "x"')
    assert run_reader.load_metrics(path)["x"].tolist() == [1]
    path.write_text('{"step": 0, "x": 1}\nnot json\n{"step": 2, "x": 3}\n')
    with pytest.raises(RunReadError, match=r"learner.jsonl:2: malformed JSON line"):
        run_reader.load_metrics(path)
    path.write_text('{"x": 1}\n')
    with pytest.raises(RunReadError, match="learner.jsonl:1: expected an object with a 'step'"):
        run_reader.load_metrics(path)


def test_missing_and_malformed_run_directories_name_the_path(tmp_path):
    with pytest.raises(RunReadError, match=f"run directory {tmp_path / 'nope'} does not exist"):
        run_reader.load_run(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(RunReadError, match="empty is not a run directory: none of the stage folders"):
        run_reader.load_run(tmp_path / "empty")
    (tmp_path / "bad" / "execute").mkdir(parents=True)
    (tmp_path / "bad" / "execute" / "results.json").write_text("{broken")
    with pytest.raises(RunReadError, match=r"malformed JSON in .*bad/execute/results.json"):
        run_reader.load_run(tmp_path / "bad")


def test_missing_stage_and_source_list_what_is_present(tiny_run):
    run = run_reader.load_run(tiny_run)
    with pytest.raises(RunReadError, match=r"no stage 'finetune'; present: \['collect', 'sweep'"):
        run.stage("finetune")
    with pytest.raises(RunReadError, match=r"no metrics source 'actor_9'.*present: \['actor_0'"):
        run.stage("collect").source("actor_9")
    (tiny_run / "finetune").mkdir()
    (tiny_run / "finetune" / "config.json").write_text(json.dumps({"steps": 1}))
    finetune = run_reader.load_run(tiny_run).stage("finetune")
    assert not finetune.done and finetune.results is None and finetune.config == {"steps": 1}


def test_stage_result_files_follow_the_documented_format(tiny_run):
    run = run_reader.load_run(tiny_run)
    assert run.stage("sweep").results["candidates"]["mpo_small"] == {
        "overrides": {"agent": "mpo"},
        "final_metrics": {"critic_loss": 0.5},
    }
    execute = run.stage("execute").results
    assert execute["episodes_per_triplet"] == 10
    assert execute["table"]["bc"]["2"] == {"successes": 1, "episodes": 10}
    assert (tiny_run / "execute" / "results.md").read_text().splitlines()[4].startswith("| mpo_large | 1 |")
    pipeline = run.stage("pipeline").results
    assert pipeline["best_candidate"] == "mpo_large"
    assert pipeline["stages"]["HYPERPARAM"] == execute["table"]["mpo_large"]
    assert "| FINE-TUNE | 100% [72-100] |" in (tiny_run / "pipeline" / "table_1.md").read_text()
