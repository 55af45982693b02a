"""Parameters published by a learner reach actors through the server's address."""

import numpy as np
import pytest

from chef.replay import server, tables, variables


@pytest.fixture
def replay():
    running = server.start_server(tables.ReplayConfig(max_size=10, min_size=1))
    yield running
    running.stop()


def test_actor_gets_the_newest_version(replay):
    publisher = variables.VariablePublisher(replay.client(), table="variables")
    actor_side = variables.VariableClient(replay.address, table="variables")
    assert actor_side.version == -1
    for version in range(3):
        params = {"torso": {"w": np.full((2, 3), version, np.float32)}, "head": {"b": np.arange(version + 1)}}
        publisher.publish({"policy": params, "critic": {"c": np.zeros(1)}}, version=version)
    newest, version = actor_side.get_newest()
    assert version == 2 and actor_side.version == 2
    np.testing.assert_array_equal(newest["policy"]["torso"]["w"], np.full((2, 3), 2, np.float32))
    np.testing.assert_array_equal(newest["policy"]["head"]["b"], [0, 1, 2])
    assert replay.client().server_info()["variables"].current_size == 1
    [policy] = actor_side.get_variables(["policy"])
    assert policy["torso"]["w"].dtype == np.float32
    with pytest.raises(KeyError, match="target"):
        actor_side.get_variables(["target"])


def test_publishing_needs_named_collections(replay):
    with pytest.raises(ValueError, match="mapping"):
        variables.VariablePublisher(replay.client()).publish({}, version=0)
