"""Hyperparameter sweeps: named lists of dotted-key overrides of a base config.

A sweep file is a python module with `get_sweep() -> list[dict]`; each dict
holds a 'name' (the candidate's directory name) and dotted-key overrides,
e.g. `{'name': 'large_net', 'network.torso': 'large'}`. Sweeps are usually
built from axes, lists of `(label, overrides)` pairs:

    network = [('small', {'network.torso': 'small'}), ('large', {...})]
    tasks = [('multi', {...}), ('single', {...})]
    get_sweep = lambda: to_sweep(product(network, tasks))  # small_multi, ...

`product` takes every combination, `zip_axes` pairs axes element by element;
both return an axis again, so they nest. Labels are joined with '_'.
`apply_overrides` refuses keys missing from the base config (naming the
closest valid keys) and values whose type does not match the base value.
"""

import dataclasses
import difflib
import importlib.util
import itertools
import os
import pathlib
import re
from typing import Any, Mapping, Sequence

import ml_collections

from chef.utils import config as config_lib
from chef.utils.config import ConfigError

Overrides = dict[str, Any]
Axis = list[tuple[str, Overrides]]  # [(label, overrides), ...]

NAME_KEY = "name"
_VALID_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclasses.dataclass(frozen=True)
class Candidate:
    """One point of a sweep: a directory-safe name and its overrides."""

    name: str
    overrides: Mapping[str, Any]


def _merge(labelled: Sequence[tuple[str, Overrides]]) -> tuple[str, Overrides]:
    """Joins labels and merges overrides, refusing one key set to two values."""
    merged: Overrides = {}
    for label, overrides in labelled:
        for key, value in overrides.items():
            if key in merged and merged[key] != value:
                raise ValueError(f"axes conflict on '{key}': {merged[key]!r} vs {value!r} (label '{label}')")
            merged[key] = value
    return "_".join(label for label, _ in labelled if label), merged


def product(*axes: Axis) -> Axis:
    """Every combination of one entry per axis (first axis varies slowest)."""
    if not axes:
        raise ValueError("product needs at least one axis")
    return [_merge(combination) for combination in itertools.product(*axes)]


def zip_axes(*axes: Axis) -> Axis:
    """Entry i of every axis together; all axes must have the same length."""
    if not axes:
        raise ValueError("zip_axes needs at least one axis")
    lengths = sorted({len(axis) for axis in axes})
    if len(lengths) != 1:
        raise ValueError(f"zip_axes needs axes of equal length, got lengths {[len(a) for a in axes]}")
    return [_merge(entries) for entries in zip(*axes)]


def to_sweep(axis: Axis, prefix: str = "") -> list[dict]:
    """Sweep entries ({'name': .., **overrides}) from an axis; names get `prefix`."""
    sweep = []
    for label, overrides in axis:
        if NAME_KEY in overrides:
            raise ValueError(f"'{NAME_KEY}' is reserved for the candidate name, not an override")
        name = "_".join(part for part in (prefix, label) if part)
        sweep.append({NAME_KEY: name, **overrides})
    return sweep


def parse_sweep(entries: Any, *, source: str = "sweep") -> list[Candidate]:
    """Validates sweep entries: a list of dicts with unique, directory-safe names."""
    if not isinstance(entries, (list, tuple)) or not entries:
        raise ValueError(f"{source}: get_sweep() must return a non-empty list of dicts, got {entries!r}")
    candidates: list[Candidate] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            raise ValueError(f"{source}: entry {index} must be a dict, got {type(entry).__name__}")
        name = entry.get(NAME_KEY)
        if not isinstance(name, str) or not _VALID_NAME.match(name):
            raise ValueError(
                f"{source}: entry {index} needs a '{NAME_KEY}' of letters, digits, '_', '.', '-' "
                f"(used as a directory name), got {name!r}"
            )
        if name in seen:
            raise ValueError(f"{source}: duplicate candidate name '{name}'")
        seen.add(name)
        overrides = {k: v for k, v in entry.items() if k != NAME_KEY}
        bad_keys = [k for k in overrides if not isinstance(k, str) or not k]
        if bad_keys:
            raise ValueError(f"{source}: candidate '{name}' has non-string override keys {bad_keys}")
        candidates.append(Candidate(name=name, overrides=overrides))
    return candidates


def load_sweep(path: str | os.PathLike, base: ml_collections.ConfigDict | None = None) -> list[Candidate]:
    """Imports a sweep file (a path, or a packaged one: `chef.utils.config.resolve_config_file`) and validates it
    (against `base` when given)."""
    path = pathlib.Path(config_lib.resolve_config_file(str(path)))
    if not path.is_file():
        raise FileNotFoundError(f"sweep file {path} does not exist")
    spec = importlib.util.spec_from_file_location(f"chef_sweep_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    get_sweep = getattr(module, "get_sweep", None)
    if not callable(get_sweep):
        raise ValueError(f"sweep file {path} must define get_sweep() -> list[dict]")
    candidates = parse_sweep(get_sweep(), source=str(path))
    if base is not None:
        for candidate in candidates:
            try:
                apply_overrides(base, candidate.overrides)
            except ConfigError as e:
                raise ConfigError(f"{path}: candidate '{candidate.name}': {e}") from e
    return candidates


def flat_keys(config: ml_collections.ConfigDict, prefix: str = "") -> list[str]:
    """All dotted leaf keys of a ConfigDict (sub-dicts themselves excluded)."""
    keys = []
    for key, value in config.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, ml_collections.ConfigDict):
            keys.extend(flat_keys(value, dotted + "."))
        else:
            keys.append(dotted)
    return keys


def _check_type(key: str, old: Any, new: Any) -> Any:
    """Returns `new` coerced to the base value's type, or raises ConfigError."""
    if old is None:
        return new
    if isinstance(old, bool) or isinstance(new, bool):
        if isinstance(old, bool) and isinstance(new, bool):
            return new
    elif isinstance(old, float) and isinstance(new, (int, float)):
        return float(new)
    elif isinstance(old, (list, tuple)) and isinstance(new, (list, tuple)):
        return type(old)(new)
    elif isinstance(new, type(old)):
        return new
    raise ConfigError(
        f"override '{key}': expected {type(old).__name__} like the base value {old!r}, got {type(new).__name__} {new!r}"
    )


def apply_overrides(base: ml_collections.ConfigDict, overrides: Mapping[str, Any]) -> ml_collections.ConfigDict:
    """A copy of `base` with dotted-key `overrides` set; `base` is unchanged."""
    config = ml_collections.ConfigDict(base.to_dict())
    valid = flat_keys(config)
    for key, value in overrides.items():
        *parents, leaf = key.split(".")
        node = config
        for part in parents:
            node = node.get(part) if isinstance(node, ml_collections.ConfigDict) else None
        if not isinstance(node, ml_collections.ConfigDict) or leaf not in node:
            close = difflib.get_close_matches(key, valid, n=3, cutoff=0.5)
            hint = f"; closest valid keys: {close}" if close else f"; valid keys: {sorted(valid)}"
            raise ConfigError(f"override '{key}' is not a key of the base config{hint}")
        old = node[leaf]
        if isinstance(old, ml_collections.ConfigDict):
            raise ConfigError(
                f"override '{key}' names a sub-config; override its leaves instead: "
                f"{sorted(f'{key}.{k}' for k in flat_keys(old))}"
            )
        with node.unlocked():
            node[leaf] = _check_type(key, old, value)
    return config
