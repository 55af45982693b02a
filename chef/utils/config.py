"""Configs: ml_collections files on the command line, dataclasses in code.

Commands take `--config=<name>[:variant]` (a packaged config or a file path; absl
`config_flags`, so `--config.a.b=3` overrides any field). Modules turn the
relevant ConfigDict into a frozen dataclass with `from_config`, which refuses
unknown fields and lets the dataclass validate itself in `__post_init__`.
"""

import dataclasses
import json
import os
import pathlib
import typing
from typing import Any, Mapping, Type, TypeVar

import ml_collections

T = TypeVar("T")


CONFIG_DIR = pathlib.Path(__file__).parents[1] / "configs"  # The packaged configs (chef/configs/).


def resolve_config_file(argument: str) -> str:
    """`path[:variant]` with `path` replaced by the packaged config of that name (CONFIG_DIR, `.py`
    optional) when no such file exists, so `collect:state` works from any directory."""
    path, colon, variant = str(argument).partition(":")
    if os.path.isfile(path):
        return argument
    packaged = CONFIG_DIR / path
    if not packaged.suffix:
        packaged = packaged.with_suffix(".py")
    return f"{packaged}{colon}{variant}" if packaged.is_file() else argument


class ConfigError(ValueError):
    """A config is malformed: unknown field, wrong type or invalid value."""


def to_dict(config: Any) -> Any:
    """Plain-python (JSON-able) view of a ConfigDict / dataclass / nest."""
    if isinstance(config, ml_collections.ConfigDict):
        return to_dict(config.to_dict())
    if dataclasses.is_dataclass(config) and not isinstance(config, type):
        return {f.name: to_dict(getattr(config, f.name)) for f in dataclasses.fields(config)}
    if isinstance(config, Mapping):
        return {str(k): to_dict(v) for k, v in config.items()}
    if isinstance(config, (list, tuple)):
        return [to_dict(v) for v in config]
    return config


def from_config(cls: Type[T], config: Any, *, where: str = "config") -> T:
    """Builds dataclass `cls` from a mapping, recursing into dataclass fields.

    Raises ConfigError naming the offending field (`where.field`) for unknown
    fields and for values the dataclass's own validation rejects.
    """
    if isinstance(config, cls):
        return config
    values = to_dict(config)
    if not isinstance(values, Mapping):
        raise ConfigError(f"{where}: expected a mapping for {cls.__name__}, got {type(values).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise ConfigError(f"{where}: unknown field(s) {unknown} for {cls.__name__}; valid fields: {sorted(fields)}")
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for name, value in values.items():
        hint = hints.get(name)
        if dataclasses.is_dataclass(hint) and isinstance(value, Mapping):
            value = from_config(hint, value, where=f"{where}.{name}")
        elif isinstance(value, list) and typing.get_origin(hint) is tuple:
            value = tuple(value)
        kwargs[name] = value
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as e:  # The dataclass's own validation.
        raise ConfigError(f"{where}: {e}") from e


def require(condition: bool, message: str) -> None:
    """Validation helper for `__post_init__`: raises ConfigError(message)."""
    if not condition:
        raise ConfigError(message)


def dumps(config: Any) -> str:
    return json.dumps(to_dict(config), indent=2, sort_keys=True, default=str)
