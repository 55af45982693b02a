"""Refusing incompatible datasets before training: same observation keys, shapes and dtypes,
same action and reward shapes."""

from typing import Any, Mapping

import tensorflow as tf
import tree

from chef.data import layout


def flat_spec(element_spec: Any) -> dict[str, tf.TensorSpec]:
    """{'observation/sawyer/tcp/pose': TensorSpec, 'reward': ..., ...} of a dataset's element spec."""
    return {"/".join(map(str, path)): spec for path, spec in tree.flatten_with_path(element_spec)}


def _describe(spec: tf.TensorSpec) -> str:
    return f"{spec.dtype.name}{list(spec.shape)}"


def check_compatible(element_specs: Mapping[str, Any]) -> None:
    """Raises DatasetError naming both datasets and the first differing entry.

    Args:
      element_specs: {dataset name: element_spec} (e.g. of `rlds_reader.transition_dataset`).
    """
    names = list(element_specs)
    if len(names) < 2:
        return
    reference_name, reference = names[0], flat_spec(element_specs[names[0]])
    for name in names[1:]:
        other = flat_spec(element_specs[name])
        for key in [*reference, *(k for k in other if k not in reference)]:
            if key not in other or key not in reference:
                holder, lacking = (reference_name, name) if key in reference else (name, reference_name)
                raise layout.DatasetError(f"incompatible datasets: '{key}' is in {holder} but not in {lacking}")
            a, b = reference[key], other[key]
            if a.dtype != b.dtype or a.shape.as_list() != b.shape.as_list():
                raise layout.DatasetError(
                    f"incompatible datasets: '{key}' is {_describe(a)} in {reference_name} but {_describe(b)} in {name}"
                )
