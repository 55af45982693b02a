"""Offline training's data: the in-memory and the streamed input give the same batches' layout and
proportions on real environment datasets, read once per process, and a candidate trains on each."""

import jax
import numpy as np
import pytest

from chef import types
from chef.configs import sweep
from chef.stages import components, offline
from tests.chef.data import env_episodes


def _config(offline_input: str):
    config = sweep.get_config("tiny")
    config.env.episode_length = 12
    config.learner.offline_input = offline_input
    config.learner.num_steps = 20
    config.learner.checkpoint_period = 10
    return config


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    """COLLECT (two actors) and EXECUTE datasets of random actions, as FINE-TUNE mixes them."""
    root = tmp_path_factory.mktemp("offline")
    for name, seeds in (("collect/actor_0", [1, 2]), ("collect/actor_1", [3]), ("execute/c0", [4, 5])):
        env_episodes.write_random_episodes(root / name, _config("memory"), seeds, stage=name.split("/")[0])
    return [[str(root / "collect/actor_0"), str(root / "collect/actor_1")], [str(root / "execute/c0")]]


def _observation_rows(transitions) -> set[bytes]:
    """Each transition's observation (all keys) as bytes."""
    leaves = [np.reshape(x, (len(x), -1)) for x in jax.tree_util.tree_leaves(transitions.observation)]
    return {row.tobytes() for row in np.concatenate(leaves, axis=1)}


def test_memory_and_stream_batches_agree_in_layout_and_proportions(sources):
    config = _config("memory")
    spec = components.StageSpec.from_config(config)
    loaded = [offline.load_source(group, offline.make_options(spec)) for group in sources]
    collect, execute = (_observation_rows(b.gather(np.arange(b.size))) for b in loaded)
    assert collect and execute and not collect & execute
    batches = {
        name: offline.make_iterator(components.StageSpec.from_config(_config(name)), sources, [0.25, 0.75], seed=0)
        for name in offline.OFFLINE_INPUTS
    }
    first = {name: next(iterator) for name, iterator in batches.items()}
    assert jax.tree_util.tree_structure(first["memory"]) == jax.tree_util.tree_structure(first["stream"])
    for a, b in zip(jax.tree_util.tree_leaves(first["memory"]), jax.tree_util.tree_leaves(first["stream"])):
        assert a.shape == b.shape and a.dtype == b.dtype
    share = config.learner.batch_size // 4
    for iterator in batches.values():
        for _ in range(5):
            batch = next(iterator)
            head = jax.tree_util.tree_map(lambda x: x[:share], batch)
            tail = jax.tree_util.tree_map(lambda x: x[share:], batch)
            assert _observation_rows(head) <= collect and _observation_rows(tail) <= execute
    again = offline.make_iterator(spec, sources, [0.5, 0.5], seed=1)
    assert all(a is b for a, b in zip(again.buffers, loaded))  # The same sources are not read again.


@pytest.mark.parametrize("offline_input", offline.OFFLINE_INPUTS)
def test_a_candidate_trains_and_checkpoints_on_either_input(sources, tmp_path, offline_input):
    metrics = offline.train(
        components.StageSpec.from_config(_config(offline_input)), sources, [0.5, 0.5], str(tmp_path), progress=False
    )
    assert metrics and all(np.isfinite(v) for v in metrics.values())
    assert sorted(p.name for p in (tmp_path / "checkpoints").iterdir()) == ["step_10", "step_20"]
    assert (tmp_path / "policy").is_dir()


def test_offline_mpo_that_clones_scripted_episodes_reads_their_demonstration_mark(sources, tmp_path):
    """With mpo.demonstration_weight > 0 the batches carry extras['demonstration'] (0 here: random,
    not scripted, episodes), as COLLECT's learner reads them; without it they do not."""
    config = _config("memory")
    plain = offline.make_iterator(components.StageSpec.from_config(config), sources, [0.5, 0.5], seed=0)
    assert types.DEMONSTRATION not in next(plain).extras
    config.mpo.demonstration_weight = 1.0
    spec = components.StageSpec.from_config(config)
    batch = next(offline.make_iterator(spec, sources, [0.5, 0.5], seed=0))
    np.testing.assert_array_equal(batch.extras[types.DEMONSTRATION], 0.0)
    metrics = offline.train(spec, sources, [0.5, 0.5], str(tmp_path), progress=False)
    assert metrics and all(np.isfinite(v) for v in metrics.values())


def test_a_filtered_agent_draws_only_from_the_sources_with_a_success(tmp_path):
    """FINE-TUNE of a filtered candidate mixes COLLECT and EXECUTE; when one holds no success of the
    main task its share goes to the others instead of failing, and with none anywhere it refuses."""
    config = _config("memory")
    config.agent, config.scheduler.main_task = "filtered_bc", "open"
    groups = []
    for name, gripper in (("opened", -1.0), ("closed", 1.0)):
        env_episodes.write_random_episodes(tmp_path / name, config, [1, 2], actor=env_episodes.GripperActor(0, gripper))
        groups.append([str(tmp_path / name)])
    assert [offline.count_successes(group, "open") for group in groups] == [2, 0]
    spec = components.StageSpec.from_config(config)
    batch = next(offline.make_iterator(spec, groups, [0.5, 0.5], seed=0))
    opened = offline.load_source(groups[0], offline.make_options(spec))
    assert _observation_rows(batch) <= _observation_rows(opened.gather(np.arange(opened.size)))
    assert len(batch.action) == config.learner.batch_size
    with pytest.raises(offline.NoDataError, match="no successful 'open' episode"):
        offline.make_iterator(spec, groups[1:], [1.0], seed=0)
