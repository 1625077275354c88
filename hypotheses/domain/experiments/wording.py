"""Numbers as verdicts and warnings write them, in the active locale: rates, lifts, p-values."""

from __future__ import annotations

import math
from decimal import Decimal

from flask_babel import format_decimal

from hypotheses.languages import percent_sign

MINUS = "\u2212"


def local_decimal(text: str, grouping: bool = False) -> str:
    """Write a plain decimal string ("1234.50") in the active locale, digits unchanged."""
    decimals = len(text.partition(".")[2])
    pattern = ("#,##0" if grouping else "0") + ("." + "0" * decimals if decimals else "")
    return format_decimal(Decimal(text), format=pattern)


def _fixed(text: str) -> str:
    """A %g-written number without an exponent ("1e-05" → "0.00001")."""
    return format(Decimal(text), "f") if "e" in text else text


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
    return min(6, 1 - math.floor(math.log10(largest)))  # two significant digits


def signed_group(values: list[float], unit: str) -> list[str]:
    """A lift and its interval with one shared precision, each with its sign; decimals are
    added (up to 4) until the estimate and both bounds read differently."""
    decimals = _decimals_for(values)
    while True:
        out = []
        for value in values:
            text = f"{abs(value):.{decimals}f}"
            out.append(
                _signed(local_decimal(text, True), 0.0 if float(text) == 0 else value) + unit
            )
        if decimals >= 4 or len(set(out)) == len(set(values)):
            return out
        decimals += 1


def _rate(rate: float, decimals: int | None = None) -> str:
    """A rate as a percentage: one decimal from 1 %, two significant digits below."""
    percent = 100 * rate
    if percent == 0:
        return local_decimal("0") + percent_sign()
    if decimals is None:
        text = f"{percent:.1f}" if percent >= 1 else _fixed(f"{percent:.2g}")
    else:
        text = f"{percent:.{decimals}f}"
    return local_decimal(text, True) + percent_sign()


def two_rates(a: float, b: float) -> tuple[str, str]:
    """Two rates written so that different rates never read the same."""
    first, second = _rate(a), _rate(b)
    decimals = 1
    while first == second and a != b and decimals < 6:
        decimals += 1
        first, second = _rate(a, decimals), _rate(b, decimals)
    return first, second


def _number(value: float, decimals: int) -> str:
    text = f"{abs(value):.{decimals}f}"
    written = local_decimal(text, True)
    return (MINUS + written) if value < 0 and float(text) != 0 else written


def two_values(a: float, b: float) -> tuple[str, str]:
    """Two metric values (means) with enough decimals to tell them apart."""
    largest = max(abs(a), abs(b))
    decimals = 0 if largest == 0 else max(0, min(6, 2 - math.floor(math.log10(largest))))
    while decimals < 6 and a != b and _number(a, decimals) == _number(b, decimals):
        decimals += 1
    return _number(a, decimals), _number(b, decimals)


def p_text(p: float, alpha: float) -> str:
    """A p-value with its relation sign ("= 0.004", "< 0.001"), never rounded across alpha."""
    if p < 0.001:
        return "< " + local_decimal("0.001")
    if p == 1:
        return "= " + local_decimal("1")
    if p >= 0.1:
        text = f"{p:.2f}"
        return "> " + local_decimal("0.99") if text == "1.00" else "= " + local_decimal(text)
    for digits in (2, 3, 4, 6):
        text = f"{p:.{digits}g}"
        if (float(text) < alpha) == (p < alpha):
            break
    return "= " + local_decimal(_fixed(text))


def plain_number(value: float) -> str:
    """A number as people write it (0.05, 95), in the active locale."""
    return local_decimal(_fixed(f"{value:g}"))


def count_text(value: int) -> str:
    """A whole number with thousands grouping, in the active locale."""
    return format_decimal(value, format="#,##0")


def percent_floor(achieved: int, planned: int) -> str:
    """The share of the plan achieved, as a whole percentage rounded down."""
    return count_text(100 * achieved // planned) + percent_sign()  # never "100 %" below the plan
