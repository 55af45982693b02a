"""Tests of the distance shaping primitive D(x; tol, s)."""

import numpy as np
import pytest
from dm_control.utils import rewards as dm_rewards

from rgb_stacking_env import shaping


def test_shaped_distance_is_one_at_zero_and_five_percent_at_margin():
    # 1 - tanh^2(atanh(sqrt(0.95)) * s / s) = 1 - 0.95.
    np.testing.assert_allclose(shaping.shaped_distance(np.array([0.0, 0.15]), 0.15), [1.0, 0.05], atol=1e-12)


def test_shaped_distance_matches_dm_control_tanh_squared_tolerance():
    distances = np.linspace(0.0, 1.0, 101)
    expected = dm_rewards.tolerance(
        distances, bounds=(0.0, 0.0), margin=0.2, sigmoid="tanh_squared", value_at_margin=shaping.VALUE_AT_MARGIN
    )
    np.testing.assert_allclose(shaping.shaped_distance(distances, 0.2), expected, atol=1e-12)


def test_distance_reward_is_one_up_to_the_tolerance_then_shaped_from_the_target():
    inside = shaping.distance_reward(np.array([0.02, 0.0, 0.0]), 0.02, 0.15)
    outside = shaping.distance_reward(np.array([0.0201, 0.0, 0.0]), 0.02, 0.15)
    assert inside == 1.0
    # Outside the tolerance the shaping is measured from the target, not the boundary.
    np.testing.assert_allclose(outside, shaping.shaped_distance(0.0201, 0.15))
    assert 0.9 < outside < 1.0
    np.testing.assert_allclose(shaping.distance_reward(np.array([0.0, 0.15, 0.0]), 0.02, 0.15), 0.05)


def test_per_axis_tolerance_tests_an_ellipsoid_but_shapes_the_euclidean_norm():
    tolerance = np.array([1.0, 1.0, 0.03])
    assert shaping.distance_reward(np.array([0.5, -0.5, 0.02]), tolerance, 0.05) == 1.0
    offset = np.array([0.0, 0.0, 0.031])
    np.testing.assert_allclose(shaping.distance_reward(offset, tolerance, 0.05), shaping.shaped_distance(0.031, 0.05))
    # Inside the box of half-sizes `tolerance` but outside its ellipsoid.
    corner = np.array([0.8, 0.0, 0.025])
    np.testing.assert_allclose(
        shaping.distance_reward(corner, tolerance, 0.05), shaping.shaped_distance(np.linalg.norm(corner), 0.05)
    )


def test_distance_reward_evaluates_several_terms_with_their_own_tolerance_and_margin():
    offsets = np.array([[0.1, 0.0, 0.0], [0.0, 0.3, 0.0], [0.0, 0.0, 0.005]])  # [3, 3]
    tolerance = np.array([[0.01] * 3, [0.01] * 3, [0.01] * 3])
    margins = np.array([0.1, 0.3, 0.3])
    np.testing.assert_allclose(shaping.distance_reward(offsets, tolerance, margins), [0.05, 0.05, 1.0])


def test_within_tolerance_boundary():
    assert shaping.within_tolerance(np.array([0.0, 0.0, 0.1]), np.array([0.2, 0.2, 0.1]))
    assert not shaping.within_tolerance(np.array([0.0, 0.0, 0.1001]), np.array([0.2, 0.2, 0.1]))


@pytest.mark.parametrize("tolerance, margin", [(0.0, 0.1), (np.array([1.0, -1.0, 1.0]), 0.1), (0.1, 0.0)])
def test_non_positive_tolerance_or_margin_is_rejected(tolerance, margin):
    with pytest.raises(ValueError, match="must be positive"):
        shaping.distance_reward(np.array([0.3, 0.0, 0.0]), tolerance, margin)
