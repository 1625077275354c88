"""Projected monthly impact of shipping a variant: the measured change per visitor, times the
money per unit of the metric, times the monthly traffic after launch (and the same for both
ends of the interval). Numbers only; the app words and formats them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from stats import messages as msg
from stats.errors import StatsInputError
from stats.inputs import require_finite, to_count, to_float
from stats.results import Serializable


@dataclass(frozen=True)
class ImpactResult(Serializable):
    """The projected money a month and its interval (same confidence as the lift's)."""

    per_month: float
    low: float
    high: float


def projected_impact(
    *, abs_diff: Any, abs_ci: Any, value_per_unit: Any, monthly_traffic: Any
) -> ImpactResult:
    """Return abs_diff × value_per_unit × monthly_traffic with its interval.

    abs_diff: the variant's absolute change per visitor (B − A: a rate difference for a
    conversion metric, a mean difference for a money-per-visitor metric); abs_ci: its
    interval; value_per_unit: money per conversion (1 when the metric is already money);
    monthly_traffic: visitors a month after launch."""
    diff = to_float(abs_diff, "abs_diff")
    try:
        low, high = (to_float(x, "abs_ci") for x in abs_ci)
    except (TypeError, ValueError):
        raise StatsInputError(
            msg.ARM_SHAPE.format(name="abs_ci", shape="a (low, high) pair", value=abs_ci)
        ) from None
    value = to_float(value_per_unit, "value_per_unit")
    if value <= 0:
        raise StatsInputError(msg.NOT_POSITIVE.format(name="value_per_unit", value=value))
    traffic = to_count(monthly_traffic, "monthly_traffic", minimum=1)
    scale = value * traffic
    result = ImpactResult(diff * scale, min(low, high) * scale, max(low, high) * scale)
    require_finite("projected impact", result.per_month, result.low, result.high)
    return result
