"""Plain-language verdict sentences (DESIGN.md §4); texts live in ``stats.messages``."""

from __future__ import annotations

import math
from dataclasses import dataclass

from stats import messages as msg

MINUS = "\u2212"


@dataclass(frozen=True)
class VerdictInputs:
    """Numbers one verdict sentence needs, whichever test produced them."""

    variant: str
    metric: str
    metric_kind: str
    control_value: float
    variant_value: float
    abs_diff: float
    abs_ci: tuple[float, float]
    rel_lift: float | None
    rel_ci: tuple[float, float] | None
    p_value: float
    significant: bool
    alpha: float
    show_interval: bool = True  # False: the interval disagrees with the test (Fisher region)


def _signed(text: str, value: float) -> str:
    if value > 0:
        return "+" + text
    if value < 0:
        return MINUS + text
    return text


def _decimals_for(values: list[float]) -> int:
    largest = max(abs(v) for v in values)
    if largest >= 10:
        return 0
    if largest >= 1:
        return 1
    if largest == 0:
        return 0
    # two significant digits of the largest magnitude
    return min(6, 1 - math.floor(math.log10(largest)))


def _signed_group(values: list[float], unit: str) -> list[str]:
    """Format a lift and its interval with one shared precision, each with its sign; add
    decimals (up to 4) until the estimate and both bounds read differently."""
    decimals = _decimals_for(values)
    while True:
        out = []
        for value in values:
            text = f"{abs(value):.{decimals}f}"
            out.append(_signed(text, 0.0 if float(text) == 0 else value) + unit)
        if decimals >= 4 or len(set(out)) == len(set(values)):
            return out
        decimals += 1


def format_rate(rate: float, decimals: int | None = None) -> str:
    """Format a rate as a percentage: one decimal from 1 %, two significant digits below."""
    percent = 100 * rate
    if percent == 0:
        return "0%"
    if decimals is None:
        if percent >= 1:
            return f"{percent:.1f}%"
        return f"{percent:.2g}%"
    return f"{percent:.{decimals}f}%"


def format_rates(a: float, b: float) -> tuple[str, str]:
    """Format two rates so that different rates never read the same."""
    first, second = format_rate(a), format_rate(b)
    decimals = 1
    while first == second and a != b and decimals < 6:
        decimals += 1
        first, second = format_rate(a, decimals), format_rate(b, decimals)
    return first, second


def format_number(value: float, decimals: int) -> str:
    """Format a metric value with thousands separators and the given decimals."""
    text = f"{abs(value):,.{decimals}f}"
    return (MINUS + text) if value < 0 and float(text.replace(",", "")) != 0 else text


def _value_decimals(a: float, b: float) -> int:
    largest = max(abs(a), abs(b))
    decimals = 0 if largest == 0 else max(0, min(6, 2 - math.floor(math.log10(largest))))
    while decimals < 6 and a != b and format_number(a, decimals) == format_number(b, decimals):
        decimals += 1
    return decimals


def format_p(p: float, alpha: float) -> str:
    """Format a p-value with its relation sign ("= 0.004", "< 0.001"), never rounding it
    across alpha."""
    if p < 0.001:
        return "< 0.001"
    if p == 1:
        return "= 1"
    if p >= 0.1:
        text = f"{p:.2f}"
        return "> 0.99" if text == "1.00" else "= " + text
    for digits in (2, 3, 4, 6):
        text = f"{p:.{digits}g}"
        if (float(text) < alpha) == (p < alpha):
            break
    return "= " + text


def format_alpha(alpha: float) -> str:
    """Format alpha as written by people (0.05, 0.1)."""
    return f"{alpha:g}"


def ci_level(alpha: float) -> str:
    """Format the interval level for alpha, e.g. 95%."""
    return f"{(1 - alpha) * 100:g}%"


def _fields(v: VerdictInputs, p_label: str, level: str) -> dict[str, str]:
    if v.metric_kind == "conversion":
        control_text, variant_text = format_rates(v.control_value, v.variant_value)
    else:
        decimals = _value_decimals(v.control_value, v.variant_value)
        control_text = format_number(v.control_value, decimals)
        variant_text = format_number(v.variant_value, decimals)
    if v.rel_lift is not None and v.rel_ci is not None:
        lift, low, high = _signed_group(
            [100 * v.rel_lift, 100 * v.rel_ci[0], 100 * v.rel_ci[1]], "%"
        )
    elif v.metric_kind == "conversion":
        unit = " " + msg.PERCENTAGE_POINTS
        lift, low, high = _signed_group(
            [100 * v.abs_diff, 100 * v.abs_ci[0], 100 * v.abs_ci[1]], unit
        )
    else:
        lift, low, high = _signed_group([v.abs_diff, *v.abs_ci], "")
    return {
        "variant": v.variant,
        "metric": v.metric,
        "control_value": control_text,
        "variant_value": variant_text,
        "lift": lift,
        "ci_low": low,
        "ci_high": high,
        "level": level,
        "p_label": p_label,
        "p": format_p(v.p_value, v.alpha),
        "alpha": format_alpha(v.alpha),
    }


def _relative_unbounded(v: VerdictInputs) -> bool:
    return v.metric_kind == "continuous" and v.rel_lift is not None and v.rel_ci is None


def verdict_code(v: VerdictInputs, early: bool) -> str:
    """Return the language-free code of a verdict: [early_]significant_up,
    [early_]significant_down or [early_]not_significant."""
    if v.significant:
        code = "significant_up" if v.abs_diff > 0 else "significant_down"
    else:
        code = "not_significant"
    return "early_" + code if early else code


def verdict_data(v: VerdictInputs, p_kind: str) -> dict[str, object]:
    """Return the numbers a verdict states, so an app can render it in any language."""
    relative = v.rel_lift is not None and v.rel_ci is not None
    interval = v.rel_ci if relative else v.abs_ci
    return {
        "lift_kind": "relative" if relative else "absolute",
        "lift": v.rel_lift if relative else v.abs_diff,
        "ci": list(interval) if v.show_interval and interval is not None else None,
        "ci_level": 1 - v.alpha,
        "p_value": v.p_value,
        "p_kind": p_kind,
        "alpha": v.alpha,
        "control_value": v.control_value,
        "variant_value": v.variant_value,
        "interval_omitted": not v.show_interval,
        "relative_unbounded": _relative_unbounded(v),
    }


def _sentence(v: VerdictInputs, fields: dict[str, str]) -> str:
    if v.show_interval:
        if v.significant:
            template = msg.VERDICT_RAISED if v.abs_diff > 0 else msg.VERDICT_LOWERED
        else:
            template = msg.VERDICT_NO_DIFFERENCE
        text = template.format(**fields)
    elif v.significant:
        direction = msg.DIRECTION_RAISED if v.abs_diff > 0 else msg.DIRECTION_LOWERED
        text = msg.VERDICT_NO_INTERVAL.format(direction=direction, **fields)
    else:
        text = msg.VERDICT_NO_DIFFERENCE_NO_INTERVAL.format(**fields)
    if not v.show_interval:
        text += msg.INTERVAL_OMITTED
    if _relative_unbounded(v):
        text += msg.RELATIVE_UNBOUNDED
    return text


def fixed_verdict(v: VerdictInputs, p_label: str, level_template: str = "{level}") -> str:
    """Return the verdict sentence of a fixed-horizon comparison (or of the last look of a
    group-sequential test, with its level template)."""
    return _sentence(v, _fields(v, p_label, level_template.format(level=ci_level(v.alpha))))


def early_verdict(
    v: VerdictInputs, p_label: str, percent: str, planned: int, level_template: str = ""
) -> str:
    """Return the verdict sentence of an early look, read from the sequential result."""
    template = level_template or msg.ALWAYS_VALID_LEVEL
    fields = _fields(v, p_label, template.format(level=ci_level(v.alpha)))
    prefix = msg.VERDICT_EARLY_PREFIX.format(percent=percent)
    if v.significant:
        return prefix + _sentence(v, fields)
    fields["planned"] = f"{planned:,}"
    text = msg.VERDICT_EARLY_NO_DIFFERENCE.format(**fields)
    if _relative_unbounded(v):
        text += msg.RELATIVE_UNBOUNDED
    return prefix + text
