"""How a verdict's numbers are written in any language: the decimals a rate, two values, a lift
with its interval and a p-value need. *write* turns a plain decimal string ("1234.50") into the
reader's writing (thousands grouped when asked): the command line writes it as it is
(stats._cli_text), the app in the reader's locale (hypotheses.domain.experiments.wording)."""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal

Write = Callable[[str, bool], str]  # (plain decimal text, group thousands) -> written text
MINUS = "\u2212"


def as_is(text: str, grouping: bool = False) -> str:
    """Write a plain decimal string unchanged, with "," between thousands when *grouping*."""
    if not grouping:
        return text
    whole, dot, fraction = text.partition(".")
    return f"{int(whole):,}{dot}{fraction}"


def fixed(text: str) -> str:
    """A %g-written number without an exponent ("1e-05" → "0.00001")."""
    return format(Decimal(text), "f") if "e" in text else text


def signed(text: str, value: float) -> str:
    """*text* (written without a sign) with the sign of *value*: "+", a minus sign or none."""
    if value > 0:
        return "+" + text
    if value < 0:
        return MINUS + text
    return text


def _decimals_for(values: list[float]) -> int:
    largest = max(abs(v) for v in values)
    if largest >= 10 or largest == 0:
        return 0
    if largest >= 1:
        return 1
    return min(6, 1 - math.floor(math.log10(largest)))  # two significant digits


def signed_group(values: list[float], unit: str, write: Write = as_is) -> list[str]:
    """A lift and its interval with one shared precision, each with its sign; decimals are
    added (up to 4) until the estimate and both bounds read differently."""
    decimals = _decimals_for(values)
    while True:
        out = []
        for value in values:
            text = f"{abs(value):.{decimals}f}"
            out.append(signed(write(text, True), 0.0 if float(text) == 0 else value) + unit)
        if decimals >= 4 or len(set(out)) == len(set(values)):
            return out
        decimals += 1


def rate(value: float, percent: str, write: Write = as_is, decimals: int | None = None) -> str:
    """A rate as a percentage: one decimal from 1 %, two significant digits below."""
    share = 100 * value
    if share == 0:
        return write("0", False) + percent
    if decimals is None:
        text = f"{share:.1f}" if share >= 1 else fixed(f"{share:.2g}")
    else:
        text = f"{share:.{decimals}f}"
    return write(text, True) + percent


def two_rates(a: float, b: float, percent: str, write: Write = as_is) -> tuple[str, str]:
    """Two rates written so that different rates never read the same."""
    first, second = rate(a, percent, write), rate(b, percent, write)
    decimals = 1
    while first == second and a != b and decimals < 6:
        decimals += 1
        first, second = rate(a, percent, write, decimals), rate(b, percent, write, decimals)
    return first, second


def number(value: float, decimals: int, write: Write = as_is) -> str:
    """*value* with *decimals*, thousands grouped, a minus sign unless it rounds to zero."""
    text = f"{abs(value):.{decimals}f}"
    written = write(text, True)
    return (MINUS + written) if value < 0 and float(text) != 0 else written


def two_values(a: float, b: float, write: Write = as_is) -> tuple[str, str]:
    """Two metric values (means) with enough decimals to tell them apart."""
    largest = max(abs(a), abs(b))
    decimals = 0 if largest == 0 else max(0, min(6, 2 - math.floor(math.log10(largest))))
    while decimals < 6 and a != b and number(a, decimals, write) == number(b, decimals, write):
        decimals += 1
    return number(a, decimals, write), number(b, decimals, write)


def p_text(p: float, alpha: float, write: Write = as_is) -> str:
    """A p-value with its relation sign ("= 0.004", "< 0.001"), never rounded across alpha."""
    if p < 0.001:
        return "< " + write("0.001", False)
    if p == 1:
        return "= " + write("1", False)
    if p >= 0.1:
        text = f"{p:.2f}"
        return "> " + write("0.99", False) if text == "1.00" else "= " + write(text, False)
    for digits in (2, 3, 4, 6):
        text = f"{p:.{digits}g}"
        if (float(text) < alpha) == (p < alpha):
            break
    return "= " + write(fixed(text), False)
