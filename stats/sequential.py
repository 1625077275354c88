"""Always-valid inference for early looks: an asymptotic confidence sequence (CS).

Method (as in GrowthBook's gbstats ``SequentialTwoSidedTTest``): the normal-mixture
asymptotic CS of Waudby-Smith, Arnold, Wu, Howard & Ramdas (2023, "Time-uniform central
limit theory and asymptotic confidence sequences", arXiv:2103.06476, eq. 9; Howard et al.
2021 for the mixture boundary). With N = n_control + n_variant observations so far, an
estimate θ̂ with standard error se (so the per-observation variance is σ² = se²·N):

    θ̂ ± se · sqrt((1 + 1/(Nρ²)) · ln((Nρ² + 1)/α²))

The mixing parameter ρ is tuned so the sequence is narrowest at the planned total
N* = 2 × planned_per_variant (gbstats' ``sequential_tuning_parameter``, their eq. 161):

    ρ² = (−2 ln α + ln(1 − 2 ln α)) / N*

The always-valid p-value is the smallest α' at which the CS (with ρ fixed) excludes 0:
p = min(1, sqrt(Nρ² + 1) · exp(−z²·Nρ² / (2(Nρ² + 1)))) with z = θ̂/se, so p < α exactly
when the (1 − α) sequence excludes 0. Valid at every look, however often one peeks.

For conversions z is the pooled z of the fixed test and the sequence is the score interval
with the sequence's half-width in place of z₁₋α/₂ (so a zero unpooled variance, as with
0/3 against 2/2, never gives an infinite z); for means the relative sequence is Fieller's
interval at that width.
"""

from __future__ import annotations

import math
from typing import Any

from stats._score import diff_interval, ratio_interval
from stats.frequentist import agree, mean_lift, welch_parts
from stats.inputs import check_alpha, conversion_arm, mean_arm, require_finite, to_count
from stats.results import SequentialResult

METHOD = "confidence-sequence"


def _factor(n_total: int, planned_per_variant: Any, alpha: float) -> tuple[float, float, int]:
    """Return the CS half-width in standard errors, Nρ² and the planned total."""
    planned_total = 2 * to_count(planned_per_variant, "planned_per_variant", minimum=1)
    log_alpha = math.log(alpha)
    rho2 = (-2 * log_alpha + math.log(1 - 2 * log_alpha)) / planned_total
    v = n_total * rho2
    return math.sqrt((1 + 1 / v) * (math.log1p(v) - 2 * log_alpha)), v, planned_total


def _p_value(z: float, v: float) -> float:
    # ln p = ½·ln(Nρ² + 1) − z²·Nρ² / (2(Nρ² + 1)), capped at p = 1
    log_p = 0.5 * math.log1p(v) - z * z * v / (2 * (v + 1)) if math.isfinite(z) else -math.inf
    return math.exp(min(0.0, log_p))


def sequential_result(
    diff: float,
    abs_ci: tuple[float, float],
    rel_lift: float | None,
    rel_ci: tuple[float, float] | None,
    p_value: float,
    alpha: float,
    n_total: int,
    planned_total: int,
    *,
    method: str = METHOD,
    interval: str = "confidence sequence",
    **look: Any,
) -> SequentialResult:
    """Package an early look: significant when p < α, both intervals made to agree with
    that, the absolute one finite (else the error names *interval*); *look* adds the
    group-sequential fields."""
    significant = p_value < alpha
    abs_ci = agree(abs_ci, significant) or abs_ci
    require_finite(interval, *abs_ci)
    return SequentialResult(
        method=method,
        p_value=p_value,
        abs_diff=diff,
        abs_ci=abs_ci,
        rel_lift=rel_lift,
        rel_ci=agree(rel_ci, significant),
        significant=significant,
        alpha=alpha,
        observed_total=n_total,
        planned_total=planned_total,
        **look,
    )


def sequential_compare_conversions(
    *, control: Any, variant: Any, planned_per_variant: Any, alpha: float = 0.05
) -> SequentialResult:
    """Compare conversion rates at an early look with an always-valid (1 − α) confidence
    sequence tuned to the planned sample. The statistic is the pooled z (as the fixed
    test), and the sequence is the score interval at the sequence's width, so it excludes
    zero exactly when the always-valid p < α; the relative one likewise (score, ratio)."""
    alpha = check_alpha(alpha)
    a = conversion_arm(control, "control")
    b = conversion_arm(variant, "variant")
    n_total = a.visitors + b.visitors
    factor, v, planned_total = _factor(n_total, planned_per_variant, alpha)
    rate_a = a.conversions / a.visitors
    rate_b = b.conversions / b.visitors
    diff = rate_b - rate_a
    pooled = (a.conversions + b.conversions) / n_total
    se = math.sqrt(pooled * (1 - pooled) * (1 / a.visitors + 1 / b.visitors))
    z = diff / se if se > 0 else 0.0  # no conversions (or all) in both arms: no evidence
    args = (a.conversions, a.visitors, b.conversions, b.visitors, factor)
    return sequential_result(
        diff,
        diff_interval(*args),
        diff / rate_a if a.conversions > 0 else None,
        ratio_interval(*args),
        _p_value(z, v),
        alpha,
        n_total,
        planned_total,
    )


def sequential_compare_means(
    *, control: Any, variant: Any, planned_per_variant: Any, alpha: float = 0.05
) -> SequentialResult:
    """Compare means at an early look with an always-valid (1 − α) confidence sequence
    tuned to the planned sample; Welch standard error, Fieller's relative interval at the
    sequence's width (None when unbounded)."""
    alpha = check_alpha(alpha)
    a = mean_arm(control, "control")
    b = mean_arm(variant, "variant")
    parts = welch_parts(a, b)
    n_total = a.n + b.n
    factor, v, planned_total = _factor(n_total, planned_per_variant, alpha)
    half = factor * parts.se
    rel_lift, rel_ci = mean_lift(a, b, factor)
    return sequential_result(
        parts.diff,
        (parts.diff - half, parts.diff + half),
        rel_lift,
        rel_ci,
        _p_value(parts.statistic, v),
        alpha,
        n_total,
        planned_total,
    )
