"""Survival and inverse-survival functions of the reference distributions.

These are the very SciPy functions that ``scipy.stats.norm.sf``, ``t.sf``, ``chi2.sf`` and
their ``isf`` call internally (Cephes/Boost via ``scipy.special``), used directly to avoid
the ~0.1 ms per-call overhead of the distribution objects. Upper tails are computed
directly, never as 1 − cdf, so tiny p-values keep their precision.

``scipy.special`` is imported on first use, so ``import stats`` stays light (about 0.1 s).
The normal survival function uses ``math.erfc``, which is what Cephes' ``ndtr`` computes
too (0.5·erfc(x/√2)), so no SciPy import is needed for the z-test alone.
"""

from __future__ import annotations

import math
from functools import cache
from types import ModuleType

_SQRT_HALF = math.sqrt(0.5)


@cache
def special() -> ModuleType:
    """Return ``scipy.special``, imported on first use."""
    import scipy.special

    return scipy.special


def normal_sf(x: float) -> float:
    """Return P(Z > x) for a standard normal Z."""
    return 0.5 * math.erfc(x * _SQRT_HALF)


def normal_cdf(x: float) -> float:
    """Return P(Z ≤ x) for a standard normal Z."""
    return 0.5 * math.erfc(-x * _SQRT_HALF)


def normal_isf(q: float) -> float:
    """Return z with P(Z > z) = q."""
    return float(-special().ndtri(q))


def normal_ppf(p: float) -> float:
    """Return z with P(Z ≤ z) = p."""
    return float(special().ndtri(p))


def t_sf(x: float, dof: float) -> float:
    """Return P(T > x) for Student's t with dof degrees of freedom."""
    return float(special().stdtr(dof, -x))


def t_isf(q: float, dof: float) -> float:
    """Return t with P(T > t) = q."""
    return float(-special().stdtrit(dof, q))


def chi2_sf(x: float, dof: float) -> float:
    """Return P(X > x) for a chi-square X with dof degrees of freedom."""
    return float(special().chdtrc(dof, x))
