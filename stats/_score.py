"""Score (Miettinen–Nurminen) intervals for two proportions, without the N/(N − 1)
small-sample correction: the inversion of the pooled two-proportion z-test.

For a hypothesised difference δ = p₁ − p₀ (variant minus control) or ratio φ = p₁ / p₀ the
score statistic is

    z(δ) = (p̂₁ − p̂₀ − δ) / √(p̃₁(1 − p̃₁)/n₁ + p̃₀(1 − p̃₀)/n₀)
    z(φ) = (p̂₁ − φ·p̂₀)  / √(p̃₁(1 − p̃₁)/n₁ + φ²·p̃₀(1 − p̃₀)/n₀)

where (p̃₀, p̃₁) is the maximum-likelihood estimate under the hypothesis: for the
difference the root in [max(0, −δ), min(1, 1 − δ)] of the cubic

    N·p³ − (N + X − δ(n₁ + 2n₀))·p² + (X − δ(N + 2x₀) + n₀δ²)·p + x₀δ(1 − δ) = 0

(p = p̃₀, p̃₁ = p + δ; X = x₀ + x₁, N = n₀ + n₁), solved in closed form (trigonometric) and
polished with Newton steps; for the ratio the smaller root of the quadratic
φN·p² − (n₁φ + x₁ + n₀ + x₀φ)·p + X = 0 (p = p̃₀, p̃₁ = φ·p). At δ = 0 and φ = 1 both
statistics are the pooled z-test, so an interval excludes the null exactly when its p < α.
The (1 − α) interval is {δ : |z(δ)| < z₁₋α/₂}; its ends are found with Brent's method.
"""

from __future__ import annotations

import math

from stats._roots import brent

_TWO_PI_THIRD = 2 * math.pi / 3


def _cubic(coef: tuple[float, float, float], p: float) -> tuple[float, float]:
    b, c, d = coef
    return ((p + b) * p + c) * p + d, (3 * p + 2 * b) * p + c


def _xlog(count: int, p: float) -> float:
    if count == 0:
        return 0.0
    return math.log(p) if p > 0 else -math.inf


def _loglik(x0: int, n0: int, x1: int, n1: int, p0: float, p1: float) -> float:
    return _xlog(x0, p0) + _xlog(n0 - x0, 1 - p0) + _xlog(x1, p1) + _xlog(n1 - x1, 1 - p1)


def _constrained_control_rate(
    x0: int, n0: int, x1: int, n1: int, delta: float
) -> tuple[float, float]:
    """Return (p̃₀, p̃₁) maximising the likelihood subject to p₁ − p₀ = δ."""
    low, high = max(0.0, -delta), min(1.0, 1.0 - delta)
    if high <= low:
        return low, low + delta
    total, converted = n0 + n1, x0 + x1
    b = -(total + converted - delta * (n1 + 2 * n0)) / total
    c = (converted - delta * (total + 2 * x0) + n0 * delta * delta) / total
    d = x0 * delta * (1 - delta) / total
    coef = (b, c, d)
    # depressed cubic t³ + P·t + Q = 0 with p = t − b/3
    shift = b / 3
    big_p = c - b * b / 3
    big_q = (2 * b * b * b - 9 * b * c) / 27 + d
    candidates = []
    if big_p < 0:
        radius = 2 * math.sqrt(-big_p / 3)
        cosine = max(-1.0, min(1.0, 3 * big_q / (big_p * radius)))
        angle = math.acos(cosine) / 3
        candidates = [radius * math.cos(angle - k * _TWO_PI_THIRD) - shift for k in range(3)]
    # the cubic is the score times p(1 − p)·q(1 − q), so an end of the feasible interval can
    # be a spurious root: take the candidate with the highest likelihood
    inside = [min(high, max(low, p)) for p in candidates if low - 1e-9 <= p <= high + 1e-9]
    if inside:
        if len(inside) > 1:
            p = max(inside, key=lambda p: _loglik(x0, n0, x1, n1, p, p + delta))
        else:
            p = inside[0]
        for _ in range(2):  # Newton polish, kept inside the feasible interval
            value, slope = _cubic(coef, p)
            if slope == 0 or value == 0:
                break
            p = min(high, max(low, p - value / slope))
    else:  # not expected; bracket the unique root of the score instead

        def f(p: float) -> float:
            return _cubic(coef, p)[0]

        p = brent(f, low, high, f(low), f(high))
    return p, p + delta


def _z(numerator: float, variance: float) -> float:
    if variance > 0:
        return numerator / math.sqrt(variance)
    if numerator == 0:
        return 0.0
    return math.inf if numerator > 0 else -math.inf


def diff_score(x0: int, n0: int, x1: int, n1: int, delta: float) -> float:
    """Return the score statistic z(δ) for the difference p₁ − p₀."""
    p0, p1 = _constrained_control_rate(x0, n0, x1, n1, delta)
    variance = p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0
    return _z(x1 / n1 - x0 / n0 - delta, max(variance, 0.0))


def ratio_score(x0: int, n0: int, x1: int, n1: int, phi: float) -> float:
    """Return the score statistic z(φ) for the ratio p₁ / p₀ (x₀, x₁ > 0)."""
    total = n0 + n1
    a = phi * total
    b = n1 * phi + x1 + n0 + x0 * phi
    c = x0 + x1
    # smaller root of a·p² − b·p + c, in the cancellation-free form 2c / (b + √(b² − 4ac))
    p0 = 2 * c / (b + math.sqrt(max(b * b - 4 * a * c, 0.0)))
    p1 = min(1.0, phi * p0)
    variance = p1 * (1 - p1) / n1 + phi * phi * p0 * (1 - p0) / n0
    return _z(x1 / n1 - phi * (x0 / n0), max(variance, 0.0))


def _bracket_end(
    f, start: float, f_start: float, step: float, limit: float
) -> tuple[float, float, float, float]:  # type: ignore[no-untyped-def]
    """Walk from start (where f = f_start < 0) towards limit in growing steps until f ≥ 0;
    return the bracket (a, b) with f(a) < 0 ≤ f(b) and the two values."""
    inner, f_inner = start, f_start
    k = 1.0
    while True:
        outer = start + k * step
        if (step < 0 and outer <= limit) or (step > 0 and outer >= limit):
            return inner, limit, f_inner, f(limit)
        f_outer = f(outer)
        if f_outer >= 0:
            return inner, outer, f_inner, f_outer
        inner, f_inner = outer, f_outer
        k *= 2


def diff_interval(x0: int, n0: int, x1: int, n1: int, z_crit: float) -> tuple[float, float]:
    """Return the (1 − α) score interval for p₁ − p₀."""
    p0, p1 = x0 / n0, x1 / n1
    estimate = p1 - p0
    step = z_crit * math.sqrt(p0 * (1 - p0) / n0 + p1 * (1 - p1) / n1)
    step = max(step, z_crit / math.sqrt(n0 + n1), 1e-12)

    def lower(delta: float) -> float:  # increasing towards −1
        return diff_score(x0, n0, x1, n1, delta) - z_crit

    def upper(delta: float) -> float:  # increasing towards +1
        return -diff_score(x0, n0, x1, n1, delta) - z_crit

    ends = []
    for f, direction, limit in ((lower, -1.0, -1.0), (upper, 1.0, 1.0)):
        if estimate == limit:
            ends.append(limit)
            continue
        # the statistic is 0 at the estimate, so f = −z there
        a, b, fa, fb = _bracket_end(f, estimate, -z_crit, direction * step, limit)
        ends.append(limit if fb < 0 else brent(f, a, b, fa, fb))
    low, high = ends
    return min(low, estimate), max(high, estimate)


def ratio_interval(x0: int, n0: int, x1: int, n1: int, z_crit: float) -> tuple[float, float] | None:
    """Return the (1 − α) score interval for p₁ / p₀ − 1, or None when a count is zero."""
    if x0 == 0 or x1 == 0:
        return None
    estimate = math.log((x1 / n1) / (x0 / n0))
    step = z_crit * math.sqrt(max(1 / x1 - 1 / n1 + 1 / x0 - 1 / n0, 0.0))
    step = max(step, z_crit / math.sqrt(min(x0, x1)), 1e-12)

    def lower(u: float) -> float:
        return ratio_score(x0, n0, x1, n1, math.exp(u)) - z_crit

    def upper(u: float) -> float:
        return -ratio_score(x0, n0, x1, n1, math.exp(u)) - z_crit

    ends = []
    for f, direction in ((lower, -1.0), (upper, 1.0)):
        limit = estimate + direction * 700.0
        a, b, fa, fb = _bracket_end(f, estimate, -z_crit, direction * step, limit)
        if fb < 0:
            return None  # not bounded within the float range

        def g(phi: float, f_sign: float = -direction) -> float:
            return f_sign * ratio_score(x0, n0, x1, n1, phi) - z_crit

        # the same function of φ = e^u: its values at the bracket ends carry over
        ends.append(brent(g, math.exp(a), math.exp(b), fa, fb) - 1)
    rate_ratio = math.exp(estimate) - 1
    return min(ends[0], rate_ratio), max(ends[1], rate_ratio)
