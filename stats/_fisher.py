"""Fisher's exact test, two-sided, as ``scipy.stats.fisher_exact`` defines it, in bounded work.

The first cell of a 2×2 table with fixed margins is hypergeometric. Its probabilities are
computed relative to the mode with the term ratio

    P(k + 1) / P(k) = (r₁ − k)(c₁ − k) / ((k + 1)(r₂ − c₁ + k + 1)),

summed in log space, and normalised by their own total, so no factorial of a count up to
10¹² is ever formed. The p-value is the mass of the tables no more probable than the
observed one (within a relative 1e-11; SciPy uses 1e-14 on exact-ish terms), divided by the total.

Fisher's test is used only when an expected cell is below 5; the hypergeometric variance is
then below 5 too, so all the mass lies within a few dozen tables of the mode. The window
covers the mode, the observed table and every table whose probability is within e^-745 of
the smaller of the two; beyond it the terms fall off at least geometrically (the
distribution is log-concave) and cannot change the sum in double precision.
"""

from __future__ import annotations

import math

import numpy as np

_RELATIVE = 1 + 1e-11  # "as probable as the observed table": SciPy allows 1e-14 relative;
# the log-space sums carry up to ~1e-13 of rounding, so exactly tied tables need more room
_REACH = 800.0  # log-probability range kept below the smaller of mode and observed table
_MAX_STEPS = 1 << 16


def _log_terms(k0: int, k1: int, r1: int, r2: int, c1: int) -> np.ndarray:
    """Return log P(k) − log P(k0) for k = k0 … k1."""
    k = np.arange(k0, k1, dtype=float)
    ratio = ((r1 - k) * (c1 - k)) / ((k + 1) * (r2 - c1 + k + 1))
    out = np.empty(k1 - k0 + 1)
    out[0] = 0.0
    np.cumsum(np.log(ratio), out=out[1:])
    return out


def _log_pmf(k: int, r1: int, r2: int, c1: int) -> float:
    """Return log P(k) up to a constant, via lgamma (only used to detect a vanishing tail)."""
    lg = math.lgamma
    return -(lg(k + 1) + lg(r1 - k + 1) + lg(c1 - k + 1) + lg(r2 - c1 + k + 1))


def fisher_two_sided(table: tuple[tuple[int, int], tuple[int, int]]) -> float:
    """Return the two-sided p-value of Fisher's exact test for [[a, b], [c, d]]."""
    (a, b), (c, d) = table
    r1, r2, c1 = a + b, c + d, a + c
    total = r1 + r2
    low, high = max(0, c1 - r2), min(r1, c1)
    if low == high:
        return 1.0
    mode = min(high, max(low, ((r1 + 1) * (c1 + 1)) // (total + 2)))
    if abs(a - mode) > _MAX_STEPS and _log_pmf(a, r1, r2, c1) - _log_pmf(mode, r1, r2, c1) < -(
        2 * _REACH
    ):
        return 0.0  # far in a tail (lgamma is precise enough to tell this much)
    # walk outwards from the mode until the terms are negligible on both sides
    span = 64
    while True:
        k0 = max(low, min(mode, a) - span)
        k1 = min(high, max(mode, a) + span)
        logs = _log_terms(k0, k1, r1, r2, c1)
        top = float(logs.max())
        observed = float(logs[a - k0])
        floor = min(observed, top) - _REACH
        left_ok = k0 == low or logs[0] < floor
        right_ok = k1 == high or logs[-1] < floor
        if (left_ok and right_ok) or span >= _MAX_STEPS:
            break
        span *= 4
    if observed - top < -_REACH:
        return 0.0  # the observed table is less likely than e^-800 times the mode
    weights = np.exp(logs - top)
    cutoff = math.exp(observed - top) * _RELATIVE
    p = float(weights[weights <= cutoff].sum() / weights.sum())
    return min(1.0, max(0.0, p))
