"""The other metrics' numbers in entered results: checked, given to the engine, and guardrails."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from hypotheses.domain.core.errors import ValidationFailed
from hypotheses.domain.core.numbers import to_int, to_number
from hypotheses.domain.experiments.metrics import MAX_COUNT, MAX_MONEY
from hypotheses.enums import MetricKind
from hypotheses.models import Analysis, ExperimentMetric


def clean_metric_results(
    metrics: list[ExperimentMetric], rows: Any, sizes: list[int]
) -> dict[str, list[dict[str, Any]]] | None:
    """Validate the other metrics' numbers given with the per-variant *rows* (each row may hold
    ``metrics``: {metric name: {conversions} or {mean, sd}}); *sizes* are the cleaned arm sizes
    in variant order. Returns {metric name: [per-variant numbers]} or None when no row gives
    any. Errors are keyed ``metric<j>_<number>_<variant position>``."""
    if not isinstance(rows, list | tuple):
        return None
    given = [r.get("metrics") if isinstance(r, dict) else None for r in rows]
    if all(not g for g in given):
        return None
    errors: dict[str, list[str]] = {}
    known = {m.name for m in metrics}
    if not known:
        raise ValidationFailed(
            {"metrics": [_("This test has no secondary metrics or guardrails.")]},
            _("Some numbers need attention."),
        )
    for item in given:
        if item is not None and not isinstance(item, dict):
            errors["metrics"] = [_("Give each variant's metrics as {metric name: numbers}.")]
            raise ValidationFailed(errors, _("Some numbers need attention."))
        for name in item or {}:
            if name not in known:
                errors.setdefault("metrics", []).append(
                    _(
                        "Unknown metric “%(name)s”; this test has %(names)s.",
                        name=str(name)[:120],
                        names=", ".join(f"“{n}”" for n in sorted(known)),
                    )
                )
    data: dict[str, list[dict[str, Any]]] = {}
    for j, metric in enumerate(metrics):
        cells = [(g or {}).get(metric.name) for g in given]
        if all(c in (None, {}) for c in cells) or all(_empty_cell(c) for c in cells):
            continue
        numbers = []
        for i, cell in enumerate(cells):
            cell = cell if isinstance(cell, dict) else {}
            size = sizes[i] if i < len(sizes) else None
            numbers.append(_clean_cell(errors, metric, j, i, cell, size))
        data[metric.name] = numbers
    if errors:
        raise ValidationFailed(errors, _("Some numbers need attention."))
    return data or None


def _empty_cell(cell: Any) -> bool:
    return not isinstance(cell, dict) or all(v in (None, "") for v in cell.values())


def _clean_cell(
    errors: dict[str, list[str]],
    metric: ExperimentMetric,
    j: int,
    i: int,
    cell: dict[str, Any],
    size: int | None,
) -> dict[str, Any]:
    def bad(key: str, message: str) -> None:
        errors.setdefault(f"metric{j}_{key}_{i}", []).append(message)

    if metric.kind == MetricKind.CONVERSION:
        value = to_int(cell.get("conversions"), minimum=0, maximum=MAX_COUNT)
        if value is None:
            bad("conversions", _("Conversions is a whole number, 0 or more."))
        elif size is not None and value > size:
            bad("conversions", _("Conversions cannot exceed visitors (%(v)d).", v=size))
        return {"conversions": value}
    mean, sd = to_number(cell.get("mean")), to_number(cell.get("sd"))
    if mean is None or abs(mean) > MAX_MONEY:
        bad("mean", _("The mean is a finite number."))
    if sd is None or not 0 <= sd <= MAX_MONEY:
        bad("sd", _("The standard deviation is a finite number, 0 or more."))
    return {"mean": mean, "sd": sd}


def engine_metrics(
    metrics: list[ExperimentMetric], metric_data: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """The engine's ``metrics`` argument: each metric's definition and numbers (None when the
    results do not carry it: a guardrail is then untestable)."""
    out = []
    for metric in metrics:
        numbers = (metric_data or {}).get(metric.name)
        values = None
        if numbers:
            values = [
                n["conversions"] if metric.kind == MetricKind.CONVERSION else [n["mean"], n["sd"]]
                for n in numbers
            ]
        out.append(
            {
                "name": metric.name,
                "role": metric.role,
                "kind": metric.kind,
                "direction": metric.direction,
                "tolerance": metric.tolerance,
                "values": values,
            }
        )
    return out


def guardrail_blocks_ship(analysis: Analysis | dict[str, Any] | None) -> list[dict[str, Any]]:
    """Return the guardrails of an analysis that block a "ship" decision (status breached or
    untestable), each {metric, status, tolerance, estimate, p_value}; empty when none do.
    Shipping past them needs the lead's written reason."""
    output = analysis.output if isinstance(analysis, Analysis) else analysis
    items = (output or {}).get("guardrails") if isinstance(output, dict) else None
    if not isinstance(items, list):
        return []
    keys = ("metric", "status", "tolerance", "estimate", "p_value")
    return [
        {k: item.get(k) for k in keys}
        for item in items
        if isinstance(item, dict) and item.get("status") in ("breached", "untestable")
    ]
