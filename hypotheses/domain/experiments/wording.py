"""Numbers as verdicts and warnings write them, in the active locale: rates, lifts, p-values
(the decimals each needs: stats.number_text)."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import format_decimal

from hypotheses.languages import percent_sign
from stats import number_text


def local_decimal(text: str, grouping: bool = False) -> str:
    """Write a plain decimal string ("1234.50") in the active locale, digits unchanged."""
    decimals = len(text.partition(".")[2])
    pattern = ("#,##0" if grouping else "0") + ("." + "0" * decimals if decimals else "")
    return format_decimal(Decimal(text), format=pattern)


def signed_group(values: list[float], unit: str) -> list[str]:
    """A lift and its interval with one shared precision, each with its sign."""
    return number_text.signed_group(values, unit, local_decimal)


def two_rates(a: float, b: float) -> tuple[str, str]:
    """Two rates written so that different rates never read the same."""
    return number_text.two_rates(a, b, percent_sign(), local_decimal)


def two_values(a: float, b: float) -> tuple[str, str]:
    """Two metric values (means) with enough decimals to tell them apart."""
    return number_text.two_values(a, b, local_decimal)


def p_text(p: float, alpha: float) -> str:
    """A p-value with its relation sign ("= 0.004", "< 0.001"), never rounded across alpha."""
    return number_text.p_text(p, alpha, local_decimal)


def plain_number(value: float) -> str:
    """A number as people write it (0.05, 95), in the active locale."""
    return local_decimal(number_text.fixed(f"{value:g}"))


def count_text(value: int) -> str:
    """A whole number with thousands grouping, in the active locale."""
    return format_decimal(value, format="#,##0")


def percent_floor(achieved: int, planned: int) -> str:
    """The share of the plan achieved, as a whole percentage rounded down."""
    return count_text(100 * achieved // planned) + percent_sign()  # never "100 %" below the plan
