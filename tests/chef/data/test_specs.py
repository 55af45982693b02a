import pytest
import tensorflow as tf

from chef import types
from chef.data import layout, specs


def _spec(observation: dict, num_tasks: int = 6) -> types.Transition:
    return types.Transition(
        observation=observation,
        action=tf.TensorSpec([5], tf.float32),
        reward=tf.TensorSpec([num_tasks], tf.float32),
        discount=tf.TensorSpec([], tf.float32),
        next_observation=observation,
        extras={},
    )


def test_same_specs_pass_and_the_first_difference_is_named():
    state = {"sawyer/tcp/pose": tf.TensorSpec([3, 7], tf.float32)}
    specs.check_compatible({"collect": _spec(state), "execute": _spec(state)})
    with pytest.raises(layout.DatasetError, match=r"'reward' is float32\[6\] in collect but float32\[1\] in execute"):
        specs.check_compatible({"collect": _spec(state), "execute": _spec(state, num_tasks=1)})
    vision = {**state, "basket_front_left/pixels": tf.TensorSpec([64, 64, 3], tf.uint8)}
    with pytest.raises(
        layout.DatasetError, match="'observation/basket_front_left/pixels' is in execute but not in collect"
    ):
        specs.check_compatible({"collect": _spec(state), "execute": _spec(vision)})
    wrong_dtype = {"sawyer/tcp/pose": tf.TensorSpec([3, 7], tf.float64)}
    with pytest.raises(layout.DatasetError, match="float64"):
        specs.check_compatible({"collect": _spec(state), "execute": _spec(wrong_dtype)})
