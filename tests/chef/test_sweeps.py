import textwrap

import ml_collections
import pytest

from chef import sweeps
from chef.utils.config import ConfigError
from rgb_stacking_env.rewards import TASK_NAMES


def _base_config() -> ml_collections.ConfigDict:
    """A small config with the shapes of keys sweeps touch (the real ones are tested below)."""
    return ml_collections.ConfigDict(
        {
            "agent": "mpo",
            "observation_set": "vision",
            "num_updates": 1000,
            "network": {"torso": "small", "embedding_size": 32},
            "learner": {"tasks": tuple(TASK_NAMES), "learning_rate": 1e-4, "use_haptics": True},
        }
    )


def test_product_joins_labels_and_merges_overrides():
    axis = sweeps.product([("a", {"x": 1}), ("b", {"x": 2})], [("s", {"y": "s"}), ("l", {"y": "l"})])
    assert axis == [
        ("a_s", {"x": 1, "y": "s"}),
        ("a_l", {"x": 1, "y": "l"}),
        ("b_s", {"x": 2, "y": "s"}),
        ("b_l", {"x": 2, "y": "l"}),
    ]


def test_zip_axes_pairs_entries_and_nests_in_product():
    zipped = sweeps.zip_axes(
        [("lo", {"lr": 1e-4}), ("hi", {"lr": 1e-3})], [("b64", {"batch": 64}), ("b256", {"batch": 256})]
    )
    assert zipped == [("lo_b64", {"lr": 1e-4, "batch": 64}), ("hi_b256", {"lr": 1e-3, "batch": 256})]
    nested = sweeps.product(zipped, [("x", {"seed": 0})])
    assert [label for label, _ in nested] == ["lo_b64_x", "hi_b256_x"]


def test_zip_axes_refuses_unequal_lengths():
    with pytest.raises(ValueError, match=r"equal length, got lengths \[2, 1\]"):
        sweeps.zip_axes([("a", {}), ("b", {})], [("c", {})])


def test_product_refuses_conflicting_values_for_one_key():
    with pytest.raises(ValueError, match="axes conflict on 'x': 1 vs 2"):
        sweeps.product([("a", {"x": 1})], [("b", {"x": 2})])


def test_to_sweep_adds_prefix_to_names():
    assert sweeps.to_sweep([("a", {"x": 1})], prefix="mpo") == [{"name": "mpo_a", "x": 1}]


@pytest.mark.parametrize(
    "entries, message",
    [
        ([], "non-empty list"),
        ([{"name": "a"}, {"name": "a"}], "duplicate candidate name 'a'"),
        ([{"x": 1}], "needs a 'name'"),
        ([{"name": "bad/name"}], "'bad/name'"),
        (["a"], "entry 0 must be a dict"),
    ],
)
def test_parse_sweep_refuses_malformed_entries(entries, message):
    with pytest.raises(ValueError, match=message):
        sweeps.parse_sweep(entries)


def test_apply_overrides_sets_dotted_keys_without_touching_base():
    base = _base_config()
    out = sweeps.apply_overrides(
        base, {"network.torso": "large", "learner.learning_rate": 3e-4, "learner.tasks": ["stack_leave"]}
    )
    assert out.network.torso == "large"
    assert out.learner.learning_rate == 3e-4
    assert out.learner.tasks == ("stack_leave",)  # list coerced to the base's tuple
    assert base.network.torso == "small"


def test_apply_overrides_coerces_int_into_float_field():
    out = sweeps.apply_overrides(_base_config(), {"learner.learning_rate": 1})
    assert isinstance(out.learner.learning_rate, float) and out.learner.learning_rate == 1.0


def test_unknown_key_names_the_closest_valid_keys():
    with pytest.raises(ConfigError, match=r"'network.torsoo' is not a key.*closest valid keys: \['network.torso'"):
        sweeps.apply_overrides(_base_config(), {"network.torsoo": "large"})


def test_unknown_parent_is_refused():
    with pytest.raises(ConfigError, match="'netwrk.torso' is not a key"):
        sweeps.apply_overrides(_base_config(), {"netwrk.torso": "large"})


@pytest.mark.parametrize(
    "key, value",
    [
        ("num_updates", "many"),
        ("num_updates", 1.5),
        ("num_updates", True),
        ("learner.use_haptics", 1),
        ("learner.tasks", "stack_leave"),
    ],
)
def test_type_mismatch_is_refused(key, value):
    with pytest.raises(ConfigError, match=f"override '{key}': expected"):
        sweeps.apply_overrides(_base_config(), {key: value})


def test_overriding_a_whole_sub_config_is_refused():
    with pytest.raises(ConfigError, match=r"names a sub-config.*'network.embedding_size', 'network.torso'"):
        sweeps.apply_overrides(_base_config(), {"network": {"torso": "large"}})


def test_load_sweep_validates_against_base(tmp_path):
    path = tmp_path / "bad_sweep.py"
    path.write_text(
        textwrap.dedent("""
        def get_sweep():
            return [{"name": "ok", "network.torso": "large"}, {"name": "typo", "agnet": "bc"}]
    """)
    )
    assert [c.name for c in sweeps.load_sweep(path)] == ["ok", "typo"]
    with pytest.raises(ConfigError, match="candidate 'typo': override 'agnet' is not a key.*'agent'"):
        sweeps.load_sweep(path, _base_config())


def test_load_sweep_needs_get_sweep(tmp_path):
    path = tmp_path / "empty.py"
    path.write_text("SWEEP = []\n")
    with pytest.raises(ValueError, match="must define get_sweep"):
        sweeps.load_sweep(path)
    with pytest.raises(FileNotFoundError, match="missing.py"):
        sweeps.load_sweep(tmp_path / "missing.py")


@pytest.mark.parametrize(
    "sweep_file, variant, network_key, large",
    [
        ("chef_offline.py", "vision", "network.resnet", "large"),
        ("chef_offline_state.py", "state", "network.torso_hidden_sizes", (512, 512, 256)),
    ],
)
def test_shipped_chef_sweeps_cover_the_paper_axes(sweep_file, variant, network_key, large):
    from chef.configs import sweep as sweep_config
    from chef.stages import components

    base = sweep_config.get_config(variant)
    candidates = sweeps.load_sweep(f"sweeps/{sweep_file}", base)  # Every key exists in the config.
    by_name = {c.name: dict(c.overrides) for c in candidates}
    assert len(candidates) == 11
    assert by_name["mpo_large_haptics_multitask"] == {
        "agent": "mpo",
        network_key: large,
        "haptics": True,
        "mpo.tasks": tuple(TASK_NAMES),
    }
    assert by_name["mpo_small_nohaptics_singletask"]["mpo.tasks"] == ("stack_leave",)
    assert by_name["mpo_small_nohaptics_singletask"]["haptics"] is False
    assert {n for n in by_name if not n.startswith("mpo_")} == {"bc", "filtered_bc", "filtered_mpo"}
    assert by_name["filtered_mpo"][network_key] == large
    for candidate in candidates:  # Every candidate builds a valid learner config.
        config = sweeps.apply_overrides(base, candidate.overrides)
        components.validate(config)
        assert ("wrist/force" in components.observation_keys(config)) == config.haptics


def test_table2c_sweep_has_the_papers_four_rows_on_the_state_lift_config():
    from chef.configs import sweep as sweep_config
    from chef.stages import components

    base = sweep_config.get_config("state_lift")
    candidates = sweeps.load_sweep("sweeps/chef_table2c.py", base)
    by_name = {c.name: dict(c.overrides) for c in candidates}
    rows = ("multitask", "singletask", "filtered_bc", "filtered_rl")
    assert set(by_name) == {f"{row}_seed{seed}" for row in rows for seed in (0, 1)}
    assert by_name["singletask_seed0"]["mpo.tasks"] == (base.scheduler.main_task,)
    assert "mpo.tasks" not in by_name["multitask_seed1"]  # Every head of the base config.
    assert by_name["filtered_rl_seed1"]["agent"] == "filtered_mpo"
    for candidate in candidates:
        components.validate(sweeps.apply_overrides(base, candidate.overrides))
