"""Distance shaping used by the RGB-Stacking rewards (pure numpy).

The reference rewards (Lee et al. 2021) shape every distance with

    D(x; tol, s) = 1                                            if ||x / tol|| <= 1
                 = 1 - tanh^2(atanh(sqrt(0.95)) * ||x|| / s)    otherwise,

where `x / tol` divides elementwise by a per-axis tolerance. The two norms
differ on purpose, as in the reference code: the *tolerance test* uses the
tolerance-weighted norm (an axis-aligned ellipsoid with semi-axes `tol`), while
the *shaping* uses the plain Euclidean norm ||x|| of the unweighted offset,
measured from the target itself, not from the ellipsoid's surface. With an
anisotropic tolerance (stack_leave's (1, 1, 0.03)) the value therefore drops
from 1 to the shaped value as `x` leaves the ellipsoid.

The shaped branch equals `dm_control.utils.rewards.tolerance(||x||, bounds=(0, 0),
margin=s, sigmoid="tanh_squared", value_at_margin=0.05)`. `shaped_distance`
writes it out in a few vectorised numpy calls, with per-term margins, because the
environment evaluates it on every control step and dm_control's version
validates its arguments and builds several temporaries per call; the tests check
that the two agree.
"""

from __future__ import annotations

from typing import Union

import numpy as np

# The reference's loss at the shaping margin is 0.95, so D = 0.05 at ||x|| = s.
VALUE_AT_MARGIN = 0.05
_TANH_SCALE = float(np.arctanh(np.sqrt(1.0 - VALUE_AT_MARGIN)))

# The reference's stand-in for a zero tolerance ("exact target").
EXACT_TOLERANCE = 1e-9

ArrayLike = Union[float, np.ndarray]


def shaped_distance(distance: np.ndarray, margin: ArrayLike) -> np.ndarray:
    """1 - tanh^2(atanh(sqrt(0.95)) * distance / margin): 1 at 0, 0.05 at `margin`.

    Args:
        distance: [...] non-negative distances.
        margin: positive margins, broadcastable to `distance`.

    Returns:
        [...] values in [0, 1].
    """
    margin = np.asarray(margin, dtype=np.float64)
    if (margin <= 0).any():
        raise ValueError(f"margin must be positive, got {margin!r}")
    t = np.tanh(distance * (_TANH_SCALE / margin))
    return 1.0 - t * t


def within_tolerance(offset: np.ndarray, tolerance: ArrayLike) -> np.ndarray:
    """||offset / tolerance|| <= 1: [..., N] offsets inside the ellipsoid of semi-axes `tolerance` -> [...] bool."""
    tolerance = np.asarray(tolerance, dtype=np.float64)
    if (tolerance <= 0).any():
        raise ValueError(f"tolerance entries must be positive, got {tolerance!r}")
    weighted = offset / tolerance  # [..., N]
    return (weighted * weighted).sum(axis=-1) <= 1.0


def distance_reward(offset: np.ndarray, tolerance: ArrayLike, margin: ArrayLike) -> np.ndarray:
    """D(offset; tolerance, margin): 1 inside the tolerance ellipsoid, shaped outside.

    Args:
        offset: [..., N] offsets from the target.
        tolerance: positive semi-axes of the full-reward region, broadcastable to
            `offset` (a scalar, [N], or one row per term, e.g. [K, N]); use
            EXACT_TOLERANCE for an exact target.
        margin: Euclidean distance at which the shaped value is 0.05,
            broadcastable to offset's leading dims [...] (e.g. [K]).

    Returns:
        [...] rewards in [0, 1] (float64).
    """
    inside = within_tolerance(offset, tolerance)  # [...]
    distance = np.sqrt((offset * offset).sum(axis=-1))  # [...]
    return np.where(inside, 1.0, shaped_distance(distance, margin))
