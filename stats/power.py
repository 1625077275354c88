"""Planning: sample size per arm for a two-sided test, and test duration in days."""

from __future__ import annotations

import math
from typing import Any

from stats import messages as msg
from stats._dist import normal_isf, normal_ppf
from stats.errors import StatsInputError
from stats.inputs import check_alpha, check_power, require_finite, to_count, to_float


def _ceil(value: float) -> int:
    require_finite("sample size", value)
    return max(1, math.ceil(value))


def sample_size_conversions(
    *,
    baseline: float,
    mde: float,
    relative: bool = True,
    alpha: float = 0.05,
    power: float = 0.8,
) -> int:
    """Return visitors per arm to detect baseline → baseline·(1 + mde) (or + mde when not
    relative) with a two-sided test: the power.prop.test formula, rounded up."""
    alpha = check_alpha(alpha)
    power = check_power(power)
    p1 = to_float(baseline, "baseline")
    mde = to_float(mde, "mde")
    if not 0.0 < p1 < 1.0:
        raise StatsInputError(msg.BASELINE_RANGE.format(value=baseline))
    if mde == 0:
        raise StatsInputError(msg.MDE_ZERO)
    if not isinstance(relative, bool):
        raise StatsInputError(msg.NOT_A_NUMBER.format(name="relative", value=relative))
    p2 = p1 * (1 + mde) if relative else p1 + mde
    if not 0.0 < p2 < 1.0 or p2 == p1:
        raise StatsInputError(msg.TARGET_RANGE.format(baseline=p1, mde=mde, target=p2))
    z_alpha = normal_isf(alpha / 2)
    z_power = normal_ppf(power)
    p_bar = (p1 + p2) / 2
    root = z_alpha * math.sqrt(2 * p_bar * (1 - p_bar)) + z_power * math.sqrt(
        p1 * (1 - p1) + p2 * (1 - p2)
    )
    return _ceil(root**2 / (p2 - p1) ** 2)


def sample_size_means(*, sd: float, mde: float, alpha: float = 0.05, power: float = 0.8) -> int:
    """Return observations per arm to detect an absolute difference mde in means with a
    two-sided test: 2·(z₁₋α/₂ + z_power)²·sd² / mde², rounded up."""
    alpha = check_alpha(alpha)
    power = check_power(power)
    sd = to_float(sd, "sd")
    mde = to_float(mde, "mde")
    if sd <= 0:
        raise StatsInputError(msg.NOT_POSITIVE.format(name="sd", value=sd))
    if mde == 0:
        raise StatsInputError(msg.MDE_ZERO)
    z_sum = normal_isf(alpha / 2) + normal_ppf(power)
    return _ceil(2 * z_sum**2 * (sd / mde) ** 2)


def test_duration_days(*, per_variant: Any, variants: Any, daily_visitors: Any) -> int:
    """Return days to fill every arm: ceil(per_variant × variants / daily_visitors), where
    variants counts all arms including the control."""
    per_variant = to_count(per_variant, "per_variant", minimum=1)
    arms = to_count(variants, "variants")
    if arms < 2:
        raise StatsInputError(msg.VARIANTS_TOO_FEW.format(value=variants))
    daily = to_float(daily_visitors, "daily_visitors")
    if daily <= 0:
        raise StatsInputError(msg.NOT_POSITIVE.format(name="daily_visitors", value=daily_visitors))
    return _ceil(per_variant * arms / daily)


# keep pytest from collecting the public function as a test when imported into a test module
test_duration_days.__test__ = False  # type: ignore[attr-defined]
