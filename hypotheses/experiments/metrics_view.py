"""View models for a test's other metrics and its money (issue 13): the secondary metrics'
table, the guardrails' table and the projected monthly impact, worded in the reader's
language and number format."""

from __future__ import annotations

from typing import Any

from flask import g
from flask_babel import format_decimal
from flask_babel import gettext as _

from hypotheses.db import get_session
from hypotheses.domain.core.weeks import monday_of
from hypotheses.domain.experiments.impact import (
    currency_symbol,
    impact_by_quarter,
    impacts,
    quarter_of,
)
from hypotheses.experiments.blueprint import bp
from hypotheses.experiments.formatting import num, pct, signed_num, signed_pp

STATUS = {"ok": "success", "breached": "danger", "untestable": "warning"}


def status_label(status: str) -> str:
    labels = {"ok": _("Holds"), "breached": _("Breached"), "untestable": _("Untestable")}
    return labels.get(status, status)


def amount(value: float) -> str:
    """A signed amount to 3 significant digits (whole units) in the reader's number format:
    "+184,000" ("+184 000" in Russian); a projection claims no more precision."""
    rounded = float(f"{value:.3g}") if abs(value) >= 1000 else round(value)
    return format_decimal(round(rounded), format="+#,##0;-#,##0")


def money(value: float, currency: str | None) -> str:
    """A signed amount with the team's currency: "+184 000 ₽"."""
    return f"{amount(value)}\u00a0{currency_symbol(currency)}"


def _value(kind: str, value: Any) -> str:
    return pct(value, 2) if kind == "conversion" else num(value, 2)


def _diff(kind: str, value: Any) -> str:
    return signed_pp(value) if kind == "conversion" else signed_num(value)


def impact_text(item: dict[str, Any], currency: str | None) -> str:
    """ "+184 000 ₽ a month, 95% CI +40 000 to +330 000"."""
    return _(
        "%(amount)s a month, %(level)s CI %(low)s to %(high)s",
        amount=money(item["per_month"], currency),
        level=pct(item["level"], 0),
        low=amount(item["low"]),
        high=amount(item["high"]),
    )


def metrics_view(experiment: Any, output: dict[str, Any] | None, currency: str | None) -> dict:
    """What the analysis shows of the other metrics and the money, for *output*."""
    output = output or {}
    secondary = []
    for metric in output.get("secondary") or []:
        kind = metric.get("kind")
        for c in metric.get("comparisons") or []:
            row = {"metric": metric.get("metric"), "variant": c.get("variant")}
            if "p_value" not in c:
                row["missing"] = True
            else:
                row |= {
                    "control": _value(kind, c.get("control_value")),
                    "value": _value(kind, c.get("variant_value")),
                    "diff": _diff(kind, c.get("abs_diff")),
                    "rel_lift": c.get("rel_lift"),
                    "rel_ci": c.get("rel_ci"),
                    "p_value": c.get("p_value"),
                    "adjusted": c.get("adjusted_p_value"),
                    "significant": c.get("significant"),
                }
            secondary.append(row)
    guardrails = []
    for item in output.get("guardrails") or []:
        direction = item.get("direction")
        rule = (
            _("must not fall more than %(t)s", t=pct(item.get("tolerance"), 1))
            if direction == "increase"
            else _("must not rise more than %(t)s", t=pct(item.get("tolerance"), 1))
        )
        guardrails.append(
            {
                "metric": item.get("metric"),
                "status": item.get("status"),
                "label": status_label(item.get("status")),
                "alert": STATUS.get(item.get("status"), "secondary"),
                "rule": rule,
                "estimate": item.get("estimate"),
                "bound": item.get("bound"),
                "p_value": item.get("p_value"),
            }
        )
    impact = [
        {"variant": i["variant"], "text": impact_text(i, currency)}
        for i in impacts(experiment, output)
    ]
    return {"secondary": secondary, "guardrails": guardrails, "impact": impact}


@bp.app_template_global("impact_quarters")
def impact_quarters(iso_week: str | None = None) -> list[dict[str, Any]]:
    """The summed projected monthly impact of the team's shipped tests per quarter (newest
    first), worded for the page; with *iso_week* only that week's quarter."""
    rows = impact_by_quarter(get_session(), g.team.id)
    if iso_week:
        rows = [r for r in rows if r["quarter"] == quarter_of(monday_of(iso_week))]
    return [
        {
            **r,
            "text": _("%(amount)s a month", amount=money(r["total"], g.team.currency)),
            "label": _("%(year)s, quarter %(q)s", year=r["quarter"][:4], q=r["quarter"][-1]),
        }
        for r in rows
    ]
