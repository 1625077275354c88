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
"""

from __future__ import annotations

import math
from typing import Any

from stats.frequentist import welch_parts
from stats.inputs import check_alpha, conversion_arm, mean_arm, require_finite, to_count
from stats.results import SequentialResult

METHOD = "confidence-sequence"


def _sequential(
    *,
    diff: float,
    se: float,
    z: float | None,
    rel: tuple[float, float] | None,
    n_total: int,
    planned_per_variant: Any,
    alpha: float,
) -> SequentialResult:
    planned_total = 2 * to_count(planned_per_variant, "planned_per_variant", minimum=1)
    log_alpha = math.log(alpha)
    rho2 = (-2 * log_alpha + math.log(1 - 2 * log_alpha)) / planned_total
    v = n_total * rho2
    factor = math.sqrt((1 + 1 / v) * (math.log1p(v) - 2 * log_alpha))
    if z is None:
        z = diff / se if se > 0 else (0.0 if diff == 0 else math.inf)
    # ln p = ½·ln(Nρ² + 1) − z²·Nρ² / (2(Nρ² + 1)), capped at p = 1
    log_p = 0.5 * math.log1p(v) - z * z * v / (2 * (v + 1)) if math.isfinite(z) else -math.inf
    p_value = math.exp(min(0.0, log_p))
    half = factor * se
    rel_lift: float | None = None
    rel_ci: tuple[float, float] | None = None
    if rel is not None:
        rel_ci = (rel[0] - factor * rel[1], rel[0] + factor * rel[1])
        rel_lift = rel[0] if all(math.isfinite(x) for x in rel_ci) else None
        rel_ci = rel_ci if rel_lift is not None else None
    abs_ci = (diff - half, diff + half)
    require_finite("confidence sequence", *abs_ci)
    return SequentialResult(
        method=METHOD,
        p_value=p_value,
        abs_diff=diff,
        abs_ci=abs_ci,
        rel_lift=rel_lift,
        rel_ci=rel_ci,
        significant=p_value < alpha,
        alpha=alpha,
        observed_total=n_total,
        planned_total=planned_total,
    )


def _delta_relative(
    mean_a: float, mean_b: float, var_a: float, var_b: float
) -> tuple[float, float] | None:
    # delta method for (B − A)/A: var = var_B/m_A² + m_B²·var_A/m_A⁴
    if mean_a == 0:
        return None
    rel_se = math.sqrt(var_b / mean_a**2 + mean_b**2 * var_a / mean_a**4)
    return (mean_b - mean_a) / mean_a, rel_se


def sequential_compare_conversions(
    *, control: Any, variant: Any, planned_per_variant: Any, alpha: float = 0.05
) -> SequentialResult:
    """Compare conversion rates at an early look with an always-valid (1 − α) confidence
    sequence tuned to the planned sample; unpooled variance, delta-method relative lift."""
    alpha = check_alpha(alpha)
    a = conversion_arm(control, "control")
    b = conversion_arm(variant, "variant")
    rate_a = a.conversions / a.visitors
    rate_b = b.conversions / b.visitors
    var_a = rate_a * (1 - rate_a) / a.visitors
    var_b = rate_b * (1 - rate_b) / b.visitors
    return _sequential(
        diff=rate_b - rate_a,
        se=math.sqrt(var_a + var_b),
        z=None,
        rel=_delta_relative(rate_a, rate_b, var_a, var_b),
        n_total=a.visitors + b.visitors,
        planned_per_variant=planned_per_variant,
        alpha=alpha,
    )


def sequential_compare_means(
    *, control: Any, variant: Any, planned_per_variant: Any, alpha: float = 0.05
) -> SequentialResult:
    """Compare means at an early look with an always-valid (1 − α) confidence sequence
    tuned to the planned sample; Welch standard error, delta-method relative lift."""
    alpha = check_alpha(alpha)
    a = mean_arm(control, "control")
    b = mean_arm(variant, "variant")
    parts = welch_parts(a, b)
    rel = None
    if parts.rel_lift is not None and parts.rel_se is not None:
        rel = (parts.rel_lift, parts.rel_se)
    return _sequential(
        diff=parts.diff,
        se=parts.se,
        z=parts.statistic,
        rel=rel,
        n_total=a.n + b.n,
        planned_per_variant=planned_per_variant,
        alpha=alpha,
    )
