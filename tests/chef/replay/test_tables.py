import numpy as np
import portpicker
import pytest
import reverb

from chef.replay import server, tables
from chef.utils.config import ConfigError, from_config


def test_tables_from_config():
    config = from_config(
        tables.ReplayConfig, {"max_size": 50, "min_size": 5, "samples_per_insert": 8.0, "queue_size": 10}
    )
    by_name = {t.name: t for t in tables.make_tables(config)}
    assert set(by_name) == {"replay", "queue", "variables"}
    assert by_name["replay"].info.max_size == 50
    limiter = by_name["replay"].info.rate_limiter_info
    assert limiter.min_size_to_sample == 5
    assert limiter.samples_per_insert == 8.0
    # Error buffer: max(min_size * tolerance * spi, 2 * spi) = max(4, 16) = 16 around 5 * 8.
    assert limiter.min_diff == pytest.approx(5 * 8 - 16)
    assert limiter.max_diff == pytest.approx(5 * 8 + 16)
    assert by_name["queue"].info.max_size == 10
    assert config.data_tables == ("replay", "queue")


def test_min_size_only_limiter_and_no_queue():
    config = tables.ReplayConfig(max_size=10, min_size=3, samples_per_insert=None)
    by_name = {t.name: t for t in tables.make_tables(config)}
    assert set(by_name) == {"replay", "variables"}
    assert by_name["replay"].info.rate_limiter_info.samples_per_insert == 1.0
    assert by_name["replay"].info.rate_limiter_info.min_size_to_sample == 3
    assert config.data_tables == ("replay",)


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"min_size": 0}, "min_size"),
        ({"max_size": 10, "min_size": 20}, "min_size"),
        ({"samples_per_insert": -1.0}, "samples_per_insert"),
        ({"queue_table": "replay"}, "distinct"),
        ({"queue_size": -1}, "queue_size"),
        ({"max_sise": 3}, "unknown field"),
    ],
)
def test_bad_config_is_named(fields, message):
    with pytest.raises(ConfigError, match=message):
        from_config(tables.ReplayConfig, fields)


def test_server_serves_typed_tables_on_a_chosen_port():
    config = tables.ReplayConfig(max_size=10, min_size=1)
    signature = tables.transition_signature({"x": np.zeros(3, np.float32)}, np.zeros(2, np.float32), num_tasks=4)
    running = server.start_server(config, signature=signature)
    try:
        port = portpicker.pick_unused_port()
        chosen = server.start_server(config, port=port)
        assert chosen.port == port and running.port != port
        chosen.stop()
        info = running.client().server_info()
        assert set(info) == {"replay", "variables"}
        assert info["replay"].signature.reward.shape == (4,)
        assert running.address == f"localhost:{running.port}"
    finally:
        running.stop()
    with pytest.raises(ValueError, match="port"):
        server.start_server(config, port=70000)
    assert isinstance(tables.variables_table("v"), reverb.Table)
