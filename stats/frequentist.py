"""Fixed-horizon tests: conversions (z-test / Fisher), means (Welch), SRM, p-value adjustment.

Conventions (DESIGN.md §5): two-sided tests, lift = variant − control and
(variant − control) / control, intervals at 1 − α, p-values from survival functions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from stats import messages as msg
from stats._dist import chi2_sf, normal_isf, normal_sf, t_isf, t_sf
from stats._fisher import fisher_two_sided
from stats._score import diff_interval, ratio_interval
from stats.errors import StatsInputError
from stats.inputs import (
    ConversionCounts,
    MeanSummary,
    check_alpha,
    conversion_arm,
    mean_arm,
    require_finite,
    to_count,
    to_float,
)
from stats.results import ComparisonResult, SRMResult

SRM_THRESHOLD = 0.001
ADJUST_METHODS = ("holm", "bh")


def _clip_p(p: float) -> float:
    return min(1.0, max(0.0, float(p)))


def _uses_fisher(a: ConversionCounts, b: ConversionCounts) -> bool:
    # smallest expected cell = min(row total) * min(column total) / N, compared exactly in ints
    total = a.visitors + b.visitors
    converted = a.conversions + b.conversions
    smallest_row = min(a.visitors, b.visitors)
    smallest_column = min(converted, total - converted)
    return smallest_row * smallest_column < 5 * total


def _excludes_zero(interval: tuple[float, float] | None) -> bool:
    return interval is not None and (interval[0] > 0 or interval[1] < 0)


def agree(interval: tuple[float, float] | None, significant: bool) -> tuple[float, float] | None:
    """Make an interval from the inverted test agree with its p-value where the two differ
    only by rounding (|z| within a few ulps of the critical value): the end nearest zero
    is set to zero when not significant, or to the smallest number beyond it when it is."""
    if interval is None or _excludes_zero(interval) == significant:
        return interval
    low, high = interval
    if significant:  # rounding put an end on the wrong side of zero
        return (math.ulp(0.0), high) if abs(low) <= abs(high) else (low, -math.ulp(0.0))
    return (0.0, high) if abs(low) <= abs(high) else (low, 0.0)


def compare_conversions(*, control: Any, variant: Any, alpha: float = 0.05) -> ComparisonResult:
    """Compare conversion rates: pooled two-proportion z-test, or Fisher's exact test when an
    expected cell is below 5; score (Miettinen–Nurminen, uncorrected) intervals for B − A and
    for B/A − 1, the inversion of the same pooled z-test.

    In the z-test region an interval excludes zero exactly when p < α. In the Fisher region
    the score interval may disagree with Fisher's p; ``interval_agrees`` says whether it
    does (a verdict then leaves the interval out)."""
    alpha = check_alpha(alpha)
    a = conversion_arm(control, "control")
    b = conversion_arm(variant, "variant")
    rate_a = a.conversions / a.visitors
    rate_b = b.conversions / b.visitors
    diff = rate_b - rate_a
    z_crit = normal_isf(alpha / 2)

    if _uses_fisher(a, b):
        method, statistic = "fisher", None
        table = (
            (a.conversions, a.visitors - a.conversions),
            (b.conversions, b.visitors - b.conversions),
        )
        p_value = _clip_p(fisher_two_sided(table))
    else:
        method = "z-test"
        pooled = (a.conversions + b.conversions) / (a.visitors + b.visitors)
        se_pooled = math.sqrt(pooled * (1 - pooled) * (1 / a.visitors + 1 / b.visitors))
        statistic = diff / se_pooled
        p_value = _clip_p(2 * normal_sf(abs(statistic)))
    significant = p_value < alpha

    args = (a.conversions, a.visitors, b.conversions, b.visitors, z_crit)
    abs_ci: tuple[float, float] | None = diff_interval(*args)
    rel_ci = ratio_interval(*args)
    rel_lift = diff / rate_a if a.conversions > 0 else None
    agrees = True
    if method == "z-test":
        abs_ci, rel_ci = agree(abs_ci, significant), agree(rel_ci, significant)
    else:
        agrees = _excludes_zero(abs_ci) == significant and (
            rel_ci is None or _excludes_zero(rel_ci) == significant
        )
    assert abs_ci is not None
    return ComparisonResult(
        method=method,
        p_value=p_value,
        abs_diff=diff,
        abs_ci=abs_ci,
        rel_lift=rel_lift,
        rel_ci=rel_ci,
        significant=significant,
        alpha=alpha,
        control_value=rate_a,
        variant_value=rate_b,
        statistic=statistic,
        interval_agrees=agrees,
    )


def summary_from_sums(n: Any, total: Any, total_of_squares: Any) -> MeanSummary:
    """Turn (n, Σx, Σx²) into (n, mean, sd) with the n − 1 denominator."""
    n = to_count(n, "n", minimum=2)
    total = to_float(total, "total")
    total_of_squares = to_float(total_of_squares, "total_of_squares")
    if total_of_squares < 0:
        raise StatsInputError(msg.NEGATIVE.format(name="total_of_squares", value=total_of_squares))
    mean = total / n
    minimum = total * mean
    require_finite("sum² / n", minimum)
    centred = total_of_squares - minimum
    # allow only the rounding error of the subtraction itself (a few ulps of Σx²)
    if centred < -8 * np.finfo(float).eps * max(total_of_squares, minimum):
        raise StatsInputError(
            msg.INCONSISTENT_SUMS.format(total_of_squares=total_of_squares, minimum=minimum)
        )
    return MeanSummary(n, mean, math.sqrt(max(centred, 0.0) / (n - 1)))


class WelchParts(NamedTuple):
    """Welch quantities: difference B − A, its standard error and degrees of freedom, and
    the delta-method relative lift with its standard error (None when undefined)."""

    diff: float
    se: float
    statistic: float
    dof: float
    rel_lift: float | None
    rel_se: float | None


def welch_parts(a: MeanSummary, b: MeanSummary) -> WelchParts:
    """Compute Welch's statistic without overflow or underflow of squared inputs."""
    if a.sd == 0 and b.sd == 0:
        raise StatsInputError(msg.ZERO_VARIANCE_BOTH)
    # work in units of the larger sd so squares neither overflow nor underflow
    unit = max(a.sd, b.sd)
    u = (a.sd / unit) / math.sqrt(a.n)
    w = (b.sd / unit) / math.sqrt(b.n)
    unit_se = math.hypot(u, w)
    share_a, share_b = (u / unit_se) ** 2, (w / unit_se) ** 2
    # Welch–Satterthwaite: (v_A + v_B)² / (v_A²/(n_A − 1) + v_B²/(n_B − 1))
    dof = 1.0 / (share_a**2 / (a.n - 1) + share_b**2 / (b.n - 1))
    diff = b.mean - a.mean
    require_finite("difference of means", diff)
    statistic = (diff / unit) / unit_se
    require_finite("the t statistic overflows", statistic)
    rel_lift = rel_se = None
    if a.mean != 0:
        ratio = b.mean / a.mean
        # delta method: var = se_B²/m_A² + m_B²·se_A²/m_A⁴
        rel_lift, rel_se = diff / a.mean, unit * math.hypot(w, ratio * u) / abs(a.mean)
        if not (math.isfinite(rel_lift) and math.isfinite(rel_se)):
            rel_lift = rel_se = None  # control mean too close to zero for a ratio
    return WelchParts(diff, unit_se * unit, statistic, dof, rel_lift, rel_se)


def mean_lift(a: Any, b: Any, critical: float) -> tuple[float | None, tuple[float, float] | None]:
    """Return m_B / m_A − 1 and its Fieller interval at *critical* for two mean arms, or
    (None, None) when the control mean is zero or too close to zero for a ratio."""
    if a.mean == 0 or not math.isfinite(b.mean / a.mean):
        return None, None
    se_a, se_b = a.sd / math.sqrt(a.n), b.sd / math.sqrt(b.n)
    return b.mean / a.mean - 1, fieller_interval(a.mean, b.mean, se_a, se_b, critical)


def fieller_interval(
    mean_a: float, mean_b: float, se_a: float, se_b: float, t_crit: float
) -> tuple[float, float] | None:
    """Return Fieller's interval for m_B / m_A − 1, or None when it is unbounded.

    The ratio ρ solves (m_B − ρ·m_A)² = t²·(se_B² + ρ²·se_A²); with r = ρ − 1 that is
    a·r² − 2h·r + k = 0, a = m_A² − t²se_A², h = m_A(m_B − m_A) + t²se_A²,
    k = (m_B − m_A)² − t²(se_A² + se_B²). Bounded only when a > 0; then it excludes 0 exactly
    when k > 0, i.e. when |Welch t| > t. Everything is scaled to the largest input first
    so squares neither overflow nor underflow."""
    scale = max(abs(mean_a), abs(mean_b), se_a, se_b)
    if scale == 0 or not math.isfinite(scale):
        return None
    m_a, m_b, s_a, s_b = mean_a / scale, mean_b / scale, se_a / scale, se_b / scale
    diff = (mean_b - mean_a) / scale
    if not math.isfinite(diff):
        diff = m_b - m_a
    ts_a, ts_b = t_crit * s_a, t_crit * s_b
    a = (abs(m_a) - ts_a) * (abs(m_a) + ts_a)
    if not a > 0:
        return None
    h = m_a * diff + ts_a * ts_a
    ts = math.hypot(ts_a, ts_b)
    k = (abs(diff) - ts) * (abs(diff) + ts)
    root = math.sqrt(m_b * m_b * ts_a * ts_a + ts_b * ts_b * a)
    far_numerator = h + root if h >= 0 else h - root
    if far_numerator == 0:
        return (0.0, 0.0)
    far, near = far_numerator / a, k / far_numerator
    estimate = mean_b / mean_a - 1  # inside the interval but for rounding: keep it there
    interval = (min(far, near, estimate), max(far, near, estimate))
    return interval if all(math.isfinite(x) for x in interval) else None


def compare_means(*, control: Any, variant: Any, alpha: float = 0.05) -> ComparisonResult:
    """Compare means with Welch's t-test from (n, mean, sd) (Welch–Satterthwaite dof); CI for
    B − A, and Fieller's interval for B/A − 1 with the same t quantile and dof (None when
    unbounded: the control mean is not clearly away from zero)."""
    alpha = check_alpha(alpha)
    a = mean_arm(control, "control")
    b = mean_arm(variant, "variant")
    parts = welch_parts(a, b)
    p_value = _clip_p(2 * t_sf(abs(parts.statistic), parts.dof))
    significant = p_value < alpha
    t_crit = t_isf(alpha / 2, parts.dof)
    half = t_crit * parts.se
    abs_ci = (parts.diff - half, parts.diff + half)
    require_finite("confidence interval", *abs_ci)
    abs_ci = agree(abs_ci, significant) or abs_ci
    rel_lift, rel_ci = mean_lift(a, b, t_crit)
    rel_ci = agree(rel_ci, significant)
    return ComparisonResult(
        method="welch",
        p_value=p_value,
        abs_diff=parts.diff,
        abs_ci=abs_ci,
        rel_lift=rel_lift,
        rel_ci=rel_ci,
        significant=significant,
        alpha=alpha,
        control_value=a.mean,
        variant_value=b.mean,
        statistic=parts.statistic,
        dof=parts.dof,
    )


def srm_check(*, observed: Sequence[Any], planned_split: Sequence[Any]) -> SRMResult:
    """Test arm sizes against the planned split (weights, normalised) with a chi-square
    goodness-of-fit test; flag a sample ratio mismatch at p < 0.001."""
    if isinstance(observed, (str, bytes)) or not isinstance(observed, Sequence):
        raise StatsInputError(
            msg.ARM_SHAPE.format(name="observed", shape="a list of counts", value=observed)
        )
    if isinstance(planned_split, (str, bytes)) or not isinstance(planned_split, Sequence):
        raise StatsInputError(
            msg.ARM_SHAPE.format(
                name="planned_split", shape="a list of weights", value=planned_split
            )
        )
    if len(observed) != len(planned_split):
        raise StatsInputError(
            msg.SRM_LENGTHS.format(observed=len(observed), planned=len(planned_split))
        )
    if len(observed) < 2:
        raise StatsInputError(msg.SRM_TOO_FEW_GROUPS.format(count=len(observed)))
    counts = [to_count(value, f"observed[{i}]") for i, value in enumerate(observed)]
    weights = [to_float(value, f"planned_split[{i}]") for i, value in enumerate(planned_split)]
    for i, weight in enumerate(weights):
        if weight <= 0:
            raise StatsInputError(msg.NOT_POSITIVE.format(name=f"planned_split[{i}]", value=weight))
    total = sum(counts)
    if total == 0:
        raise StatsInputError(msg.SRM_NO_OBSERVATIONS)
    largest = max(weights)
    shares = [weight / largest for weight in weights]  # in (0, 1]: the sum cannot overflow
    share_sum = math.fsum(shares)
    expected = [total * (share / share_sum) for share in shares]
    if min(expected) <= 0:  # a weight so small its share underflows
        raise StatsInputError(msg.OUT_OF_RANGE.format(what="planned split"))
    statistic = math.fsum((o - e) ** 2 / e for o, e in zip(counts, expected, strict=True))
    require_finite("chi-square statistic", statistic)
    p_value = _clip_p(chi2_sf(statistic, len(counts) - 1))
    return SRMResult(
        p_value=p_value,
        mismatch=p_value < SRM_THRESHOLD,
        statistic=statistic,
        observed=tuple(counts),
        expected=tuple(expected),
    )


def adjust_pvalues(p_values: Sequence[Any], method: str = "holm") -> list[float]:
    """Adjust p-values for multiple comparisons: Holm–Bonferroni ("holm") or
    Benjamini–Hochberg ("bh"); return them in the input order."""
    if method not in ADJUST_METHODS:
        raise StatsInputError(
            msg.UNKNOWN_METHOD.format(name="method", allowed=ADJUST_METHODS, value=method)
        )
    if isinstance(p_values, (str, bytes)) or not isinstance(p_values, Sequence):
        raise StatsInputError(
            msg.ARM_SHAPE.format(name="p_values", shape="a list of p-values", value=p_values)
        )
    if len(p_values) == 0:
        raise StatsInputError(msg.PVALUES_EMPTY)
    values = np.array([to_float(p, f"p_values[{i}]") for i, p in enumerate(p_values)])
    for i, p in enumerate(values.tolist()):
        if not 0.0 <= p <= 1.0:
            raise StatsInputError(msg.PROBABILITY_RANGE.format(name=f"p_values[{i}]", value=p))
    m = len(values)
    order = np.argsort(values, kind="stable")
    ranked = values[order]
    if method == "holm":
        # step-down: (m − i + 1)·p_(i), made monotone with a running maximum
        adjusted = np.maximum.accumulate((m - np.arange(m)) * ranked)
    else:
        # step-up: m/i·p_(i), made monotone with a running minimum from the largest
        adjusted = np.minimum.accumulate((m / np.arange(m, 0, -1)) * ranked[::-1])[::-1]
    result = np.empty(m)
    result[order] = np.minimum(adjusted, 1.0)
    return [float(p) for p in result]
