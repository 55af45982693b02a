import numpy as np
import pytest

from chef.mtopt import impersonation as imp
from chef.mtopt.tasks import TaskFamily, TaskSpec
from chef.utils.config import ConfigError

# Two skills: lift = {lift_any, lift_red}, place = {place_any, place_red}.
FAMILY = TaskFamily(
    [
        TaskSpec("lift_any", "lift", bool),
        TaskSpec("lift_red", "lift", bool),
        TaskSpec("place_any", "place", bool),
        TaskSpec("place_red", "place", bool),
    ]
)


def _episode(episode_id, task, *successes):
    return imp.EpisodeRecord(episode_id, task, {t: t in successes for t in FAMILY.names})


EPISODES = [
    _episode(0, "lift_any", "lift_any"),  # lifted green
    _episode(1, "lift_any", "lift_any", "lift_red"),  # lifted red
    _episode(2, "lift_red"),  # failed
    _episode(3, "place_any", "place_any", "lift_any"),  # placed green (lifted on the way)
    _episode(4, "place_red"),  # failed
]


def test_f_orig_routes_to_collected_task_only():
    assert imp.f_orig(EPISODES, FAMILY) == {
        "lift_any": {"success": [0, 1], "failure": []},
        "lift_red": {"success": [], "failure": [2]},
        "place_any": {"success": [3], "failure": []},
        "place_red": {"success": [], "failure": [4]},
    }


def test_f_all_routes_every_episode_to_every_task():
    assert imp.f_all(EPISODES, FAMILY) == {
        "lift_any": {"success": [0, 1, 3], "failure": [2, 4]},
        "lift_red": {"success": [1], "failure": [0, 2, 3, 4]},
        "place_any": {"success": [3], "failure": [0, 1, 2, 4]},
        "place_red": {"success": [], "failure": [0, 1, 2, 3, 4]},
    }


def test_f_skill_routes_within_the_skill():
    assert imp.f_skill(EPISODES, FAMILY) == {
        "lift_any": {"success": [0, 1], "failure": [2]},
        "lift_red": {"success": [1], "failure": [0, 2]},
        "place_any": {"success": [3], "failure": [4]},
        "place_red": {"success": [], "failure": [3, 4]},
    }


def test_f_skill_drops_impersonated_failures_with_p_failure_zero():
    pools = imp.f_skill(EPISODES, FAMILY, p_success=1.0, p_failure=0.0, rng=np.random.default_rng(0))
    assert pools == {
        "lift_any": {"success": [0, 1], "failure": []},  # 2 was collected for lift_red: dropped
        "lift_red": {"success": [1], "failure": [2]},  # 2 is original: kept
        "place_any": {"success": [3], "failure": []},
        "place_red": {"success": [], "failure": [4]},
    }


def test_f_skill_keeps_impersonated_failures_at_rate_p_failure():
    family = TaskFamily([TaskSpec("a", "s", bool), TaskSpec("b", "s", bool)])
    episodes = [imp.EpisodeRecord(i, "a", {"a": False, "b": False}) for i in range(4000)]
    pools = imp.f_skill(episodes, family, p_success=1.0, p_failure=0.25, rng=np.random.default_rng(1))
    assert len(pools["a"]["failure"]) == 4000
    assert abs(len(pools["b"]["failure"]) / 4000 - 0.25) < 0.03
    again = imp.f_skill(episodes, family, p_success=1.0, p_failure=0.25, rng=np.random.default_rng(1))
    assert again == pools


def test_impersonate_dispatches_on_config():
    assert imp.impersonate(EPISODES, FAMILY, imp.ImpersonationConfig("all")) == imp.f_all(EPISODES, FAMILY)
    assert imp.pool_sizes(imp.f_orig(EPISODES, FAMILY))["lift_any"] == {"success": 2, "failure": 0}


def test_bad_input_is_named():
    with pytest.raises(ConfigError, match="one of"):
        imp.ImpersonationConfig("some")
    with pytest.raises(ConfigError, match="p_failure"):
        imp.ImpersonationConfig("skill", p_failure=1.5)
    with pytest.raises(ValueError, match="needs an rng"):
        imp.f_skill(EPISODES, FAMILY, p_failure=0.5)
    with pytest.raises(ValueError, match="Unknown task 'stack'"):
        imp.f_orig([imp.EpisodeRecord(9, "stack", {})], FAMILY)
    with pytest.raises(ValueError, match=r"Episode 7 has no success label for task\(s\) \['lift_red'\]"):
        imp.f_skill([imp.EpisodeRecord(7, "lift_any", {"lift_any": True})], FAMILY)


def test_episode_records_from_label_matrix():
    labels = np.array([[1, 1, 0, 0], [0, 0, 0, 0]], bool)
    records = imp.episode_records([10, 11], ["lift_red", "place_any"], labels, FAMILY)
    assert records[0] == imp.EpisodeRecord(
        10, "lift_red", {"lift_any": True, "lift_red": True, "place_any": False, "place_red": False}
    )
    assert imp.f_orig(records, FAMILY)["place_any"] == {"success": [], "failure": [11]}
    with pytest.raises(ValueError, match="Need labels"):
        imp.episode_records([10], ["lift_red"], labels, FAMILY)
