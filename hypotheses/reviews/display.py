"""Template helpers for KPI values: locale-aware numbers, changes with arrow, sign and verdict."""

from __future__ import annotations

from flask_babel import format_decimal
from flask_babel import gettext as _

from hypotheses.domain.reviews.metrics import decimals_of
from hypotheses.languages import percent_sign
from hypotheses.models import Metric
from hypotheses.reviews.blueprint import bp


def _number(metric: Metric, value: float) -> str:
    decimals = decimals_of(metric)
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern)


@bp.app_template_global("kpi_value")
def kpi_value(metric: Metric, value: float | None) -> str:
    """Format a KPI value by its unit and display format, in the reader's locale."""
    if value is None:
        return "—"
    text = _number(metric, value)
    if metric.unit == "percent":
        return _("%(value)s%%", value=text)
    if metric.unit == "duration":
        return _("%(value)s min", value=text)
    return text


@bp.app_template_global("kpi_change")
def kpi_change(row) -> str:
    """Return the change as text: '▲ +12 (+4.1%)'; percent metrics change in points (pp)."""
    if row.delta is None:
        return "—"
    sign = "+" if row.delta > 0 else ("−" if row.delta < 0 else "±")
    amount = _number(row.metric, abs(row.delta))
    if row.metric.unit == "percent":
        text = _("%(sign)s%(value)s pp", sign=sign, value=amount)
    elif row.metric.unit == "duration":
        text = _("%(sign)s%(value)s min", sign=sign, value=amount)
    else:
        text = f"{sign}{amount}"
    if row.delta_pct is not None and row.metric.unit != "percent":
        pct_sign = "+" if row.delta_pct > 0 else ("−" if row.delta_pct < 0 else "±")
        amount_pct = format_decimal(abs(row.delta_pct), format="#,##0.0") + percent_sign()
        text += f" ({pct_sign}{amount_pct})"
    return f"{row.arrow} {text}"


@bp.app_template_global("kpi_verdict")
def kpi_verdict(good: bool | None) -> tuple[str, str]:
    """Return (label, Bootstrap colour) for a change: good, bad or no change."""
    if good is True:
        return _("good"), "success"
    if good is False:
        return _("bad"), "danger"
    return _("no change"), "secondary"


@bp.app_template_global("kpi_input")
def kpi_input(field) -> str:
    """Return the text a KPI input shows: what was typed, else the stored value without '.0'."""
    if field.raw_data:
        return field.raw_data[0]
    value = field.data
    if value is None:
        return ""
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6f}".rstrip("0").rstrip(".")


@bp.app_template_global("review_count")
def review_count(value: int | float) -> str:
    """Format a whole number in the reader's locale (1,234)."""
    return format_decimal(value, format="#,##0")
