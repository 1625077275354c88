"""Numbers formatted for people (registered as Jinja filters by the experiments blueprint).

Rates and lifts are fractions in, percentages out: pct(0.031) → "3.1%", signed_pct(0.26) →
"+26.0%", ci_range(0.08, 0.44) → "+8.0% to +44.0%", pvalue(0.0004) → "< 0.001".
Decimal separators and the percent sign follow the interface language (Flask-Babel): in
Russian "3,1 %" (no-break space), "1 234" (no-break space groups).
"""

from __future__ import annotations

import math
from typing import Any

from flask_babel import format_decimal
from flask_babel import gettext as _

from hypotheses.domain.experiments.verdicts import correction_name
from hypotheses.languages import percent_sign

DASH = "—"


def _ok(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _pattern(digits: int, signed: bool = False) -> str:
    body = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return f"+{body};\u2212{body}" if signed else body  # a real minus, as the verdicts write


def num(value: Any, digits: int = 0) -> str:
    """Format a count or measure: 12345 → "12,345"."""
    return format_decimal(value, format=_pattern(digits)) if _ok(value) else DASH


def decimal(value: Any) -> str:
    """Format a small number as written: 0.05 → "0.05" ("0,05" in Russian)."""
    return format_decimal(value, format="0.0##") if _ok(value) else DASH


def pct(value: Any, digits: int = 1) -> str:
    """Format a fraction as a percentage: 0.031 → "3.1%"."""
    return (
        format_decimal(value * 100, format=_pattern(digits)) + percent_sign()
        if _ok(value)
        else DASH
    )


def signed_pct(value: Any, digits: int = 1) -> str:
    """Format a lift with its sign: 0.26 → "+26.0%"."""
    if not _ok(value):
        return DASH
    if round(value * 100, digits) == 0:
        return format_decimal(0, format=_pattern(digits)) + percent_sign()
    return format_decimal(value * 100, format=_pattern(digits, signed=True)) + percent_sign()


def signed_num(value: Any, digits: int = 2) -> str:
    """Format an absolute difference with its sign: 1.5 → "+1.50"."""
    return format_decimal(value, format=_pattern(digits, signed=True)) if _ok(value) else DASH


def signed_pp(value: Any, digits: int = 2) -> str:
    """Format a difference of rates in percentage points: 0.008 → "+0.80 pp"."""
    return signed_num(value * 100, digits) + " " + _("pp") if _ok(value) else DASH


def ci_range(low: Any, high: Any, digits: int = 1) -> str:
    """Format a relative-lift interval: "+8.0% to +44.0%"."""
    if not (_ok(low) and _ok(high)):
        return DASH
    return _("%(low)s to %(high)s", low=signed_pct(low, digits), high=signed_pct(high, digits))


def pvalue(value: Any) -> str:
    """Format a p-value: "< 0.001", "0.004", "0.23"."""
    if not _ok(value):
        return DASH
    if value < 0.001:
        return "< " + format_decimal(0.001, format="0.000")
    if value < 0.1:
        return format_decimal(value, format="0.000")
    return format_decimal(value, format="0.00")


def chance(value: Any) -> str:
    """Format a probability as a percentage without false certainty: "> 99.9%"."""
    if not _ok(value):
        return DASH
    if value > 0.999:
        return "> " + format_decimal(99.9, format="0.0") + percent_sign()
    if value < 0.001:
        return "< " + format_decimal(0.1, format="0.0") + percent_sign()
    return format_decimal(value * 100, format="0.0") + percent_sign()


FILTERS = {
    "num": num,
    "decimal": decimal,
    "pct": pct,
    "signed_pct": signed_pct,
    "signed_num": signed_num,
    "signed_pp": signed_pp,
    "pvalue": pvalue,
    "chance": chance,
    "correction": correction_name,
}
