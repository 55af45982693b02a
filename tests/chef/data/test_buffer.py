"""TransitionBuffer: a ring buffer of transitions."""

import numpy as np
import pytest

from chef import types
from chef.data.buffer import TransitionBuffer


def test_ring_buffer_overwrites_the_oldest_and_gathers_by_index():
    ring = TransitionBuffer(capacity=4)
    for start in (0, 3):
        values = np.arange(start, start + 3, dtype=np.float32)
        ring.add(types.Transition({"x": values[:, None]}, values, values, values, {"x": values[:, None]}, {}))
    assert ring.size == 4
    np.testing.assert_array_equal(ring.gather(np.arange(4)).action, [4, 5, 2, 3])  # 0 and 1 overwritten.
    with pytest.raises(ValueError, match="structure changed"):
        ring.add(types.Transition({"y": np.zeros((1, 1))}, *[np.zeros(1)] * 3, {"y": np.zeros((1, 1))}, {}))
