import dataclasses

import ml_collections
import pytest

from chef.utils import config as config_lib


@dataclasses.dataclass(frozen=True)
class Inner:
    size: int = 3

    def __post_init__(self):
        config_lib.require(self.size > 0, f"size must be positive, got {self.size}")


@dataclasses.dataclass(frozen=True)
class Outer:
    name: str = "x"
    sizes: tuple[int, ...] = (1, 2)
    inner: Inner = dataclasses.field(default_factory=Inner)


def test_from_config_builds_nested_dataclasses():
    cfg = ml_collections.ConfigDict({"name": "y", "sizes": [4, 5], "inner": {"size": 7}})
    out = config_lib.from_config(Outer, cfg)
    assert out == Outer(name="y", sizes=(4, 5), inner=Inner(size=7))


def test_unknown_field_is_named():
    with pytest.raises(config_lib.ConfigError, match=r"config.inner: unknown field\(s\) \['sise'\]"):
        config_lib.from_config(Outer, {"inner": {"sise": 1}})


def test_validation_error_names_the_path():
    with pytest.raises(config_lib.ConfigError, match="config.inner: size must be positive"):
        config_lib.from_config(Outer, {"inner": {"size": 0}})


def test_to_dict_round_trips_dataclass():
    assert config_lib.to_dict(Outer()) == {"name": "x", "sizes": [1, 2], "inner": {"size": 3}}
