"""The design form's secondary metrics, guardrails and money (issue 13), and the results
form's numbers for those metrics. Percent fields show people percentages; the domain gets
fractions."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from hypotheses.experiments.fields import options, text_field
from hypotheses.forms import RowForm, StrictFloatField

KINDS = options({"conversion": _l("Conversion"), "continuous": _l("Continuous")})
DIRECTIONS = options(
    {
        "increase": _l("Higher is better: must not fall"),
        "decrease": _l("Lower is better: must not rise"),
    }
)


class SecondaryRow(RowForm):
    """One secondary metric of the design."""

    secondary_name = text_field(_l("Secondary metric"), 120, optional=True)
    secondary_kind = SelectField(_l("Kind"), choices=KINDS, validate_choice=False)
    secondary_baseline = StrictFloatField(_l("Baseline (percent or mean, optional)"), percent=True)
    secondary_baseline_sd = StrictFloatField(_l("Standard deviation (continuous)"))


class GuardrailRow(RowForm):
    """One guardrail of the design: a metric that must not get worse beyond a tolerance."""

    guardrail_name = text_field(_l("Guardrail metric"), 120, optional=True)
    guardrail_kind = SelectField(_l("Kind"), choices=KINDS, validate_choice=False)
    guardrail_direction = SelectField(_l("Direction"), choices=DIRECTIONS, validate_choice=False)
    guardrail_tolerance = StrictFloatField(_l("Tolerated loss, %"), percent=True)


def design_extras(form: Any) -> dict[str, Any]:
    """The form's metrics and money in the domain's units."""

    def fraction(value: float | None, kind: str | None = "conversion") -> float | None:
        return None if value is None or kind != "conversion" else value / 100

    secondary = []
    for row in form.secondary:
        kind = row.secondary_kind.data or "conversion"
        baseline = row.secondary_baseline.data
        secondary.append(
            {
                "name": row.secondary_name.data or "",
                "kind": kind,
                "baseline": fraction(baseline) if kind == "conversion" else baseline,
                "baseline_sd": row.secondary_baseline_sd.data,
            }
        )
    guardrails = [
        {
            "name": row.guardrail_name.data or "",
            "kind": row.guardrail_kind.data or "conversion",
            "direction": row.guardrail_direction.data or "increase",
            "tolerance": fraction(row.guardrail_tolerance.data),
        }
        for row in form.guardrails
    ]
    return {
        "secondary": secondary,
        "guardrails": guardrails,
        "value_per_conversion": form.value_per_conversion.data,
        "metric_is_money": bool(form.metric_is_money.data),
        "monthly_traffic": form.monthly_traffic.data,
    }


def _shown(value: float | None) -> float | int | None:
    if value is None:
        return None
    value = float(f"{value:.10g}")
    return int(value) if value.is_integer() else value


def fill_extras(form: Any, design: dict[str, Any]) -> None:
    """Show a stored design's metrics and money (fractions) in the form's units."""
    for i, row in enumerate(form.secondary):
        item = (design.get("secondary") or [])[i : i + 1]
        metric = item[0] if item else {}
        kind = metric.get("kind", "conversion")
        baseline = metric.get("baseline")
        row.secondary_name.data = metric.get("name", "")
        row.secondary_kind.data = kind
        row.secondary_baseline.data = _shown(
            baseline * 100 if baseline is not None and kind == "conversion" else baseline
        )
        row.secondary_baseline_sd.data = metric.get("baseline_sd")
    for i, row in enumerate(form.guardrails):
        item = (design.get("guardrails") or [])[i : i + 1]
        metric = item[0] if item else {}
        tolerance = metric.get("tolerance")
        row.guardrail_name.data = metric.get("name", "")
        row.guardrail_kind.data = metric.get("kind", "conversion")
        row.guardrail_direction.data = metric.get("direction", "increase")
        row.guardrail_tolerance.data = None if tolerance is None else _shown(tolerance * 100)
    form.value_per_conversion.data = _shown(design.get("value_per_conversion"))
    form.metric_is_money.data = bool(design.get("metric_is_money"))
    form.monthly_traffic.data = design.get("monthly_traffic")


def metric_cells(metrics: list[Any], formdata: Any, count: int) -> list[dict[str, Any]]:
    """Read the results form's other-metric numbers from *formdata*: for every variant i
    {metric name: {conversions} or {mean, sd}} (as typed; the domain checks them)."""
    rows: list[dict[str, Any]] = [{} for _ in range(count)]
    if formdata is None:
        return rows
    for j, metric in enumerate(metrics):
        keys = ("conversions",) if metric.kind == "conversion" else ("mean", "sd")
        for i in range(count):
            cell = {k: (formdata.get(f"metric{j}_{k}_{i}") or "").strip() for k in keys}
            if any(cell.values()):
                rows[i][metric.name] = cell
    return rows
