"""Survival and inverse-survival functions of the reference distributions.

These are the very SciPy functions that ``scipy.stats.norm.sf``, ``t.sf``, ``chi2.sf`` and
their ``isf`` call internally (Cephes/Boost via ``scipy.special``), used directly to avoid
the ~0.1 ms per-call overhead of the distribution objects. Upper tails are computed
directly, never as 1 − cdf, so tiny p-values keep their precision.
"""

from __future__ import annotations

from scipy.special import chdtrc, ndtr, ndtri, stdtr, stdtrit


def normal_sf(x: float) -> float:
    """Return P(Z > x) for a standard normal Z."""
    return float(ndtr(-x))


def normal_isf(q: float) -> float:
    """Return z with P(Z > z) = q."""
    return float(-ndtri(q))


def normal_ppf(p: float) -> float:
    """Return z with P(Z ≤ z) = p."""
    return float(ndtri(p))


def t_sf(x: float, dof: float) -> float:
    """Return P(T > x) for Student's t with dof degrees of freedom."""
    return float(stdtr(dof, -x))


def t_isf(q: float, dof: float) -> float:
    """Return t with P(T > t) = q."""
    return float(-stdtrit(dof, q))


def chi2_sf(x: float, dof: float) -> float:
    """Return P(X > x) for a chi-square X with dof degrees of freedom."""
    return float(chdtrc(dof, x))
