"""Stage configs are checked whole before launch: each rule names the field, the value and what is allowed."""

import pytest

from chef.configs import collect, execute, finetune, pipeline, sweep
from chef.stages import input_statistics, validation
from chef.utils import config as config_lib
from chef.utils import run_dir
from chef.utils.config import ConfigError
from tests.chef.data import env_episodes


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("evaluation.triplets", ("7",), "triplets must be a non-empty subset of the test triplets"),
        ("evaluation.episodes_per_triplet", 0, "episodes_per_triplet must be >= 1, got 0"),
        ("learner.checkpoint_period", -5, "checkpoint_period must be an integer >= 1, got -5"),
        ("adder.discount", 1.5, "discount must be in [0, 1], got 1.5"),
        ("adder.n_step", 0, "n_step must be >= 1, got 0"),
        ("env.episode_length", 0, "episode_length must be >= 1, got 0"),
        ("scheduler.main_task", "fly", "fly"),
        ("input_statistics.episodes", -1, "input_statistics.episodes must be an integer >= 0, got -1"),
        ("seed", 1.5, "config.seed must be an integer, got 1.5"),
    ],
)
def test_collect_config_rules(field, value, message):
    config = collect.get_config("tiny")
    *parents, leaf = field.split(".")
    node = config
    for part in parents:
        node = node[part]
    with node.ignore_type():
        node[leaf] = value
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        validation.check_collect(config)


@pytest.mark.parametrize("variant", collect.VARIANTS)
def test_every_collect_variant_has_its_offline_stage_configs(variant):
    validation.check_collect(collect.get_config(variant))
    sweep_files = {"state_lift": "sweeps/chef_table2c.py", "state_stack": "sweeps/chef_table2c_stack.py"}
    sweep_file = sweep_files.get(variant, "sweeps/chef_demo.py")  # Candidates whose heads exist.
    validation.check_sweep_config(sweep.get_config(variant), sweep_file)
    validation.check_execute_config(execute.get_config(variant))
    validation.check_finetune_config(finetune.get_config(variant))


def test_the_second_seed_of_the_stacking_ablation_passes_on_state_stack():
    validation.check_sweep_config(sweep.get_config("state_stack"), "sweeps/chef_table2c_stack_seed1.py")


def test_the_shipped_pipeline_config_passes():
    validation.check_pipeline(pipeline.get_config("tiny"))


def test_a_pipeline_whose_candidates_read_inputs_collect_did_not_standardise_is_refused():
    config = pipeline.get_config("tiny")
    for stage in (config.collect, config.sweep):
        stage.input_statistics.episodes = 1
    config.collect.excluded_inputs = ("action/environment",)
    with pytest.raises(ConfigError, match=r"reads input\(s\) \['action/environment'\] that COLLECT's input statistics"):
        validation.check_pipeline(config)
    config.sweep.excluded_inputs = ("action/environment",)  # Every candidate inherits it.
    validation.check_pipeline(config)


def test_sweep_rules_cover_the_agent_and_every_candidate():
    config = sweep.get_config("tiny")
    config.agent = "dqn"
    with pytest.raises(ConfigError, match="config.agent must be one of"):
        validation.check_sweep_config(config, "sweeps/chef_demo.py")
    config = sweep.get_config("tiny")
    config.sweep.parallel = 0
    with pytest.raises(ConfigError, match="config.sweep.parallel must be an integer >= 1, got 0"):
        validation.check_sweep_config(config, "sweeps/chef_demo.py")


def test_pipeline_sweep_must_read_what_collect_records():
    config = pipeline.get_config("tiny")
    config.sweep.env.observation_set = "vision"
    with pytest.raises(ConfigError, match="does not record"):
        validation.check_pipeline(config)


def test_stage_directory_rules_create_nothing(tmp_path):
    assert run_dir.check_stage(tmp_path, "r", "collect") is False
    assert not (tmp_path / "r").exists()
    (tmp_path / "r" / "collect").mkdir(parents=True)
    (tmp_path / "r" / "collect" / "config.json").write_text("{}")
    with pytest.raises(run_dir.RunDirError, match="pass --resume"):
        run_dir.check_stage(tmp_path, "r", "collect")
    assert run_dir.check_stage(tmp_path, "r", "collect", resume=True) is True
    (tmp_path / "r" / "collect" / run_dir.DONE_MARKER).write_text("{}")
    with pytest.raises(run_dir.RunDirError, match="already complete"):
        run_dir.check_stage(tmp_path, "r", "collect", resume=True)


def test_a_sweep_whose_candidates_read_inputs_collects_statistics_lack_is_refused(tmp_path):
    collect_config = collect.get_config("tiny")
    collect_config.input_statistics.episodes = 1
    collect_config.excluded_inputs = ("wrist/force",)
    input_statistics.standardise(collect_config, stored=None)
    (tmp_path / "config.json").write_text(config_lib.dumps(collect_config))
    env_episodes.write_random_episodes(tmp_path / "datasets" / "actor_0", collect_config, seeds=[0])
    config = sweep.get_config("tiny")
    config.input_statistics.episodes = 1
    with pytest.raises(ConfigError, match=r"candidate '\w+' and COLLECT's input statistics: .* not \['wrist/force'\]"):
        validation.check_sweep(config, "sweeps/chef_demo.py", str(tmp_path))
    config.excluded_inputs = ("wrist/force",)
    validation.check_sweep(config, "sweeps/chef_demo.py", str(tmp_path))
