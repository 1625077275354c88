"""A bracketed root finder (Brent–Dekker) in plain Python, so no SciPy import is needed."""

from __future__ import annotations

from collections.abc import Callable

_EPS = 2.220446049250313e-16


def brent(f: Callable[[float], float], a: float, b: float, fa: float, fb: float) -> float:
    """Return x in [a, b] with f(x) = 0 to full float precision, given f(a)·f(b) ≤ 0.

    Brent's method (inverse quadratic interpolation, secant, bisection). fa and fb may be
    ±inf (the function blows up at an end of its domain): interpolation then gives way to
    bisection until both ends are finite.
    """
    if fa == 0:
        return a
    if fb == 0:
        return b
    c, fc = a, fa
    d = e = b - a
    for _ in range(200):
        if (fb > 0) == (fc > 0):
            c, fc = a, fa
            d = e = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol = 2 * _EPS * abs(b) + 1e-300
        half = 0.5 * (c - b)
        if abs(half) <= tol or fb == 0:
            return b
        finite = abs(fa) < float("inf") and abs(fc) < float("inf")
        if abs(e) >= tol and abs(fa) > abs(fb) and finite:
            s = fb / fa
            if a == c:
                p, q = 2 * half * s, 1 - s
            else:
                q, r = fa / fc, fb / fc
                p = s * (2 * half * q * (q - r) - (b - a) * (r - 1))
                q = (q - 1) * (r - 1) * (s - 1)
            if p > 0:
                q = -q
            p = abs(p)
            if 2 * p < min(3 * half * q - abs(tol * q), abs(e * q)):
                e, d = d, p / q
            else:
                d = e = half
        else:
            d = e = half
        a, fa = b, fb
        b += d if abs(d) > tol else (tol if half > 0 else -tol)
        fb = f(b)
    return b
