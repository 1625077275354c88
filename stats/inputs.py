"""Sufficient-statistics inputs and the validation every public function applies first."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from stats import messages as msg
from stats.errors import StatsInputError


class ConversionCounts(NamedTuple):
    """Visitors and conversions of one arm."""

    visitors: int
    conversions: int


class MeanSummary(NamedTuple):
    """Size, mean and sample standard deviation (n − 1 denominator) of one arm."""

    n: int
    mean: float
    sd: float


def to_float(value: Any, name: str) -> float:
    """Return value as a finite float or raise StatsInputError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise StatsInputError(msg.NOT_A_NUMBER.format(name=name, value=value))
    try:
        result = float(value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise StatsInputError(msg.NOT_A_NUMBER.format(name=name, value=value)) from exc
    if not math.isfinite(result):
        raise StatsInputError(msg.NOT_FINITE.format(name=name, value=value))
    return result


MAX_COUNT = 2**53  # counts up to here are exact in floating point


def to_count(value: Any, name: str, *, minimum: int = 0) -> int:
    """Return value as an int in [minimum, 2^53) (integral floats allowed) or raise
    StatsInputError."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        result = int(value)
    else:
        number = to_float(value, name)
        if not number.is_integer():
            raise StatsInputError(msg.NOT_AN_INTEGER.format(name=name, value=value))
        result = int(number)
    if result >= MAX_COUNT:
        raise StatsInputError(msg.TOO_LARGE.format(name=name, value=value))
    if result < minimum:
        if minimum >= 2:
            raise StatsInputError(msg.TOO_FEW_OBSERVATIONS.format(name=name, n=result))
        template = msg.NOT_POSITIVE if minimum == 1 else msg.NEGATIVE
        raise StatsInputError(template.format(name=name, value=value))
    return result


def check_alpha(alpha: Any) -> float:
    """Return alpha as a float in (0, 1) or raise StatsInputError."""
    value = to_float(alpha, "alpha")
    if not 0.0 < value < 1.0:
        raise StatsInputError(msg.ALPHA_RANGE.format(value=alpha))
    return value


def check_power(power: Any) -> float:
    """Return power as a float in (0, 1) or raise StatsInputError."""
    value = to_float(power, "power")
    if not 0.0 < value < 1.0:
        raise StatsInputError(msg.POWER_RANGE.format(value=power))
    return value


def _fields(arm: Any, name: str, keys: tuple[str, ...], shape: str) -> list[Any]:
    if isinstance(arm, Mapping):
        if set(keys) - set(arm):
            raise StatsInputError(msg.ARM_SHAPE.format(name=name, shape=shape, value=arm))
        return [arm[key] for key in keys]
    if isinstance(arm, (str, bytes)) or not isinstance(arm, Sequence) or len(arm) != len(keys):
        raise StatsInputError(msg.ARM_SHAPE.format(name=name, shape=shape, value=arm))
    return list(arm)


def conversion_arm(arm: Any, name: str) -> ConversionCounts:
    """Validate (visitors, conversions) of one arm: visitors >= 1, 0 <= conversions <= visitors."""
    visitors, conversions = _fields(
        arm, name, ("visitors", "conversions"), "(visitors, conversions)"
    )
    visitors = to_count(visitors, f"{name} visitors")
    conversions = to_count(conversions, f"{name} conversions")
    if visitors == 0:
        raise StatsInputError(msg.ZERO_VISITORS.format(name=name))
    if conversions > visitors:
        raise StatsInputError(
            msg.CONVERSIONS_EXCEED_VISITORS.format(
                name=name, conversions=conversions, visitors=visitors
            )
        )
    return ConversionCounts(visitors, conversions)


def mean_arm(arm: Any, name: str) -> MeanSummary:
    """Validate (n, mean, sd) of one arm: n >= 2, finite mean, finite sd >= 0."""
    n, mean, sd = _fields(arm, name, ("n", "mean", "sd"), "(n, mean, sd)")
    n = to_count(n, f"{name} n", minimum=2)
    mean = to_float(mean, f"{name} mean")
    sd = to_float(sd, f"{name} sd")
    if sd < 0:
        raise StatsInputError(msg.NEGATIVE.format(name=f"{name} sd", value=sd))
    return MeanSummary(n, mean, sd)


def require_finite(what: str, *values: float | None) -> None:
    """Raise StatsInputError when a computed result overflowed or is not a number."""
    for value in values:
        if value is not None and not math.isfinite(value):
            raise StatsInputError(msg.OUT_OF_RANGE.format(what=what))
