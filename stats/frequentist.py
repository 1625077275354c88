"""Fixed-horizon tests: conversions (z-test / Fisher), means (Welch), SRM, p-value adjustment.

Conventions (DESIGN.md §5): two-sided tests, lift = variant − control and
(variant − control) / control, intervals at 1 − α, p-values from survival functions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
from scipy.stats import fisher_exact

from stats import messages as msg
from stats._dist import chi2_sf, normal_isf, normal_sf, t_isf, t_sf
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


def compare_conversions(*, control: Any, variant: Any, alpha: float = 0.05) -> ComparisonResult:
    """Compare conversion rates: pooled two-proportion z-test, or Fisher's exact test when an
    expected cell is below 5; unpooled Wald CI for B − A and Katz log-ratio CI for (B − A)/A."""
    alpha = check_alpha(alpha)
    a = conversion_arm(control, "control")
    b = conversion_arm(variant, "variant")
    rate_a = a.conversions / a.visitors
    rate_b = b.conversions / b.visitors
    diff = rate_b - rate_a
    z_crit = normal_isf(alpha / 2)

    if _uses_fisher(a, b):
        method, statistic = "fisher", None
        table = [
            [a.conversions, a.visitors - a.conversions],
            [b.conversions, b.visitors - b.conversions],
        ]
        p_value = _clip_p(fisher_exact(table, alternative="two-sided")[1])
    else:
        method = "z-test"
        pooled = (a.conversions + b.conversions) / (a.visitors + b.visitors)
        se_pooled = math.sqrt(pooled * (1 - pooled) * (1 / a.visitors + 1 / b.visitors))
        statistic = diff / se_pooled
        p_value = _clip_p(2 * normal_sf(abs(statistic)))

    se = math.sqrt(rate_a * (1 - rate_a) / a.visitors + rate_b * (1 - rate_b) / b.visitors)
    abs_ci = (diff - z_crit * se, diff + z_crit * se)

    rel_lift: float | None = None
    rel_ci: tuple[float, float] | None = None
    if a.conversions > 0 and b.conversions > 0:
        # Katz: log of the rate ratio is approximately normal
        log_ratio = math.log(rate_b / rate_a)
        se_log = math.sqrt(1 / b.conversions - 1 / b.visitors + 1 / a.conversions - 1 / a.visitors)
        rel_lift = diff / rate_a
        rel_ci = (math.expm1(log_ratio - z_crit * se_log), math.expm1(log_ratio + z_crit * se_log))
    return ComparisonResult(
        method=method,
        p_value=p_value,
        abs_diff=diff,
        abs_ci=abs_ci,
        rel_lift=rel_lift,
        rel_ci=rel_ci,
        significant=p_value < alpha,
        alpha=alpha,
        control_value=rate_a,
        variant_value=rate_b,
        statistic=statistic,
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


def compare_means(*, control: Any, variant: Any, alpha: float = 0.05) -> ComparisonResult:
    """Compare means with Welch's t-test from (n, mean, sd) (Welch–Satterthwaite dof); CI for
    B − A and delta-method CI for (B − A)/A, both with the same t quantile."""
    alpha = check_alpha(alpha)
    a = mean_arm(control, "control")
    b = mean_arm(variant, "variant")
    parts = welch_parts(a, b)
    p_value = _clip_p(2 * t_sf(abs(parts.statistic), parts.dof))
    t_crit = t_isf(alpha / 2, parts.dof)
    half = t_crit * parts.se
    abs_ci = (parts.diff - half, parts.diff + half)
    rel_ci = None
    if parts.rel_lift is not None and parts.rel_se is not None:
        rel_half = t_crit * parts.rel_se
        rel_ci = (parts.rel_lift - rel_half, parts.rel_lift + rel_half)
        if not all(math.isfinite(x) for x in rel_ci):
            rel_ci = None
    require_finite("confidence interval", *abs_ci)
    return ComparisonResult(
        method="welch",
        p_value=p_value,
        abs_diff=parts.diff,
        abs_ci=abs_ci,
        rel_lift=parts.rel_lift if rel_ci is not None else None,
        rel_ci=rel_ci,
        significant=p_value < alpha,
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
    weight_sum = math.fsum(weights)
    expected = [total * weight / weight_sum for weight in weights]
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
