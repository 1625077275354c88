"""Metrics per test beside the primary one, and what a result is worth (issue 13).

A test has one primary metric (on the experiment row: it decides the verdict and drives the
planned sample), up to 5 secondary metrics (shown, Benjamini–Hochberg adjusted, exploratory)
and up to 3 guardrails (a good direction and a tolerated loss, tested one-sided at the test's
α; docs/statistics.md). Every metric is measured on the primary's arms: results carry, per
variant, a conversion metric's conversions or a continuous metric's mean and sd.

Design data (domain units, fractions): ``secondary`` [{name, kind, baseline, baseline_sd}],
``guardrails`` [{name, kind, direction, tolerance}], ``value_per_conversion``,
``metric_is_money``, ``monthly_traffic``. A key left out keeps what is stored (old
single-metric requests keep working); an empty list removes the metrics.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from typing import Any

from flask_babel import gettext as _
from sqlmodel import Session, col, select

import stats
from hypotheses.domain.core.errors import Conflict, ValidationFailed
from hypotheses.domain.core.numbers import to_int, to_number
from hypotheses.enums import Decision, ExperimentStatus, MetricKind
from hypotheses.models import Analysis, Experiment, ExperimentMetric, ResultSet

MAX_SECONDARY, MAX_GUARDRAILS = 5, 3
MAX_NAME = 120
MAX_MONEY = 1e12
MAX_TRAFFIC = 2_000_000_000  # an INTEGER column
MAX_COUNT = 10**12
DIRECTIONS = ("increase", "decrease")
ROLES = {"secondary": MAX_SECONDARY, "guardrails": MAX_GUARDRAILS}
MONEY_FIELDS = ("value_per_conversion", "metric_is_money", "monthly_traffic")
CURRENCIES = {"RUB": "₽", "USD": "$", "EUR": "€", "KZT": "₸"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_KINDS = {k.value for k in MetricKind}


def _flag(raw: Any) -> bool | None:
    if isinstance(raw, bool):
        return raw
    if raw is None:
        return False
    if isinstance(raw, str) and raw.strip().lower() in {"true", "1", "yes", "on"}:
        return True
    if isinstance(raw, str) and raw.strip().lower() in {"false", "0", "no", "off", ""}:
        return False
    return None


def _blank(row: dict[str, Any]) -> bool:
    return all(row.get(k) in (None, "") for k in ("name", "baseline", "tolerance"))


def _clean_metric(
    errors: dict[str, list[str]], role: str, index: int, row: Any, taken: set[str]
) -> dict[str, Any] | None:
    key = "secondary" if role == "secondary" else "guardrail"
    row = row if isinstance(row, dict) else {}
    if _blank(row):
        return None
    name = row.get("name")
    name = name.strip() if isinstance(name, str) else ""
    if not name:
        errors[f"{key}_name_{index}"] = [_("Name this metric (from the catalog or typed).")]
    elif len(name) > MAX_NAME or _CONTROL.search(name):
        errors[f"{key}_name_{index}"] = [
            _("Use at most %(n)d characters, without control characters.", n=MAX_NAME)
        ]
    elif name.casefold() in taken:
        errors[f"{key}_name_{index}"] = [
            _("Each metric of a test needs a different name (the primary metric included).")
        ]
    else:
        taken.add(name.casefold())
    kind = row.get("kind") or MetricKind.CONVERSION.value
    if kind not in _KINDS:
        errors[f"{key}_kind_{index}"] = [_("Choose conversion or continuous.")]
    metric: dict[str, Any] = {"name": name, "kind": kind}
    if role == "secondary":
        baseline = to_number(row.get("baseline")) if row.get("baseline") not in (None, "") else None
        sd = to_number(row.get("baseline_sd")) if row.get("baseline_sd") not in (None, "") else None
        if row.get("baseline") not in (None, "") and (
            baseline is None
            or (kind == MetricKind.CONVERSION and not 0 < baseline < 1)
            or abs(baseline) > MAX_MONEY
        ):
            errors[f"{key}_baseline_{index}"] = [
                _("A conversion baseline is between 0% and 100%; a mean is a finite number.")
            ]
        if row.get("baseline_sd") not in (None, "") and (sd is None or not 0 < sd <= MAX_MONEY):
            errors[f"{key}_baseline_sd_{index}"] = [
                _("The standard deviation is a number above 0.")
            ]
        metric |= {
            "baseline": baseline,
            "baseline_sd": sd if kind == MetricKind.CONTINUOUS else None,
            "direction": "increase",
            "tolerance": None,
        }
        return metric
    direction = row.get("direction") or "increase"
    if direction not in DIRECTIONS:
        errors[f"{key}_direction_{index}"] = [
            _("Choose whether higher or lower is better for this metric.")
        ]
    tolerance = to_number(row.get("tolerance"))
    if tolerance is None or not 0 <= tolerance < 1:
        errors[f"{key}_tolerance_{index}"] = [
            _("The tolerated loss is a share of the control's value from 0% to below 100%.")
        ]
    metric |= {"direction": direction, "tolerance": tolerance, "baseline": None}
    metric["baseline_sd"] = None
    return metric


def clean_extras(errors: dict[str, list[str]], data: dict[str, Any]) -> dict[str, Any]:
    """Validate the secondary metrics, guardrails and money fields present in *data*; add
    field errors to *errors*; return the clean values of the keys that were given."""
    values: dict[str, Any] = {}
    primary = data.get("metric_name")
    taken = {primary.strip().casefold()} if isinstance(primary, str) and primary.strip() else set()
    for role, limit in ROLES.items():
        if role not in data or data[role] is None:
            continue
        raw = data[role]
        if not isinstance(raw, list | tuple):
            errors[role] = [_("Give a list of metrics.")]
            continue
        cleaned = [
            m
            for i, row in enumerate(raw)
            if (m := _clean_metric(errors, role, i, row, taken)) is not None
        ]
        if len(cleaned) > limit:
            errors[role] = [
                _("A test has at most %(n)d secondary metrics.", n=limit)
                if role == "secondary"
                else _("A test has at most %(n)d guardrails.", n=limit)
            ]
        values[role] = cleaned
    if "value_per_conversion" in data:
        raw = data["value_per_conversion"]
        value = None if raw in (None, "") else to_number(raw)
        if raw not in (None, "") and (value is None or not 0 < value <= MAX_MONEY):
            errors["value_per_conversion"] = [
                _("The money per conversion is a number above 0 (or leave it empty).")
            ]
        values["value_per_conversion"] = value
    if "metric_is_money" in data:
        flag = _flag(data["metric_is_money"])
        if flag is None:
            errors["metric_is_money"] = [_("Say yes or no.")]
        values["metric_is_money"] = bool(flag)
    if "monthly_traffic" in data:
        raw = data["monthly_traffic"]
        traffic = None if raw in (None, "") else to_int(raw, minimum=1, maximum=MAX_TRAFFIC)
        if raw not in (None, "") and traffic is None:
            errors["monthly_traffic"] = [
                _("Monthly visitors after launch is a whole number of at least 1.")
            ]
        values["monthly_traffic"] = traffic
    if values.get("metric_is_money") and data.get("metric_kind") != MetricKind.CONTINUOUS:
        errors["metric_is_money"] = [
            _(
                "Only a continuous metric (such as revenue per visitor) is money itself; for a "
                "conversion metric give the money per conversion."
            )
        ]
    return values


def _relative_mde(values: dict[str, Any]) -> float | None:
    mde, baseline = values.get("mde"), values.get("baseline")
    if mde is None or baseline is None:
        return None
    if values.get("mde_relative"):
        return float(mde)
    return abs(mde / baseline) if baseline else None


def underpowered(values: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the secondary metrics the planned sample is too small for: with their baseline,
    detecting the primary metric's relative effect needs more users per variant than the
    plan has. [{metric, needed}]; metrics without a baseline are not judged."""
    planned, rel = values.get("per_variant"), _relative_mde(values)
    if not planned or not rel:
        return []
    out = []
    for metric in values.get("secondary") or []:
        baseline = metric.get("baseline")
        if baseline is None:
            continue
        try:
            if metric["kind"] == MetricKind.CONVERSION:
                if not 0 < baseline * (1 + rel) < 1:
                    continue
                needed = stats.sample_size_conversions(
                    baseline=baseline,
                    mde=rel,
                    relative=True,
                    alpha=values["alpha"],
                    power=values["power"],
                )
            else:
                sd = metric.get("baseline_sd")
                if not sd or not baseline:
                    continue
                needed = stats.sample_size_means(
                    sd=sd, mde=rel * abs(baseline), alpha=values["alpha"], power=values["power"]
                )
        except (stats.StatsInputError, OverflowError):
            continue
        if needed > planned:
            out.append({"metric": metric["name"], "needed": int(needed)})
    return out


def metrics_of(session: Session, experiment: Experiment | None) -> list[ExperimentMetric]:
    """The test's secondary metrics, then its guardrails, each in their order."""
    if experiment is None or experiment.id is None:
        return []
    rows = session.exec(
        select(ExperimentMetric).where(ExperimentMetric.experiment_id == experiment.id)
    ).all()
    return sorted(rows, key=lambda m: (m.role != "secondary", m.position))


def stored_extras(session: Session, experiment: Experiment) -> dict[str, Any]:
    """A stored test's metrics and money in the shape clean_extras returns."""
    metrics = metrics_of(session, experiment)
    return {
        "secondary": [_as_dict(m) for m in metrics if m.role == "secondary"],
        "guardrails": [_as_dict(m) for m in metrics if m.role == "guardrail"],
        **{name: getattr(experiment, name) for name in MONEY_FIELDS},
    }


def _as_dict(metric: ExperimentMetric) -> dict[str, Any]:
    return {
        "name": metric.name,
        "kind": metric.kind,
        "baseline": metric.baseline,
        "baseline_sd": metric.baseline_sd,
        "direction": metric.direction,
        "tolerance": metric.tolerance,
    }


def _describe(metrics: list[dict[str, Any]]) -> str:
    parts = []
    for m in metrics:
        text = f"{m['name']} ({m['kind']}"
        if m.get("tolerance") is not None:
            text += f", {m['direction']}, tolerance {m['tolerance']:g}"
        parts.append(text + ")")
    return "; ".join(parts)


def apply_extras(
    session: Session, experiment: Experiment, values: dict[str, Any]
) -> dict[str, list[Any]]:
    """Store the given metrics and money of a design on *experiment*; return the audit
    changes. Once the test has started its metrics are pre-registered: a change is a
    Conflict (the money and the monthly traffic may still change)."""
    old = stored_extras(session, experiment)
    changes: dict[str, list[Any]] = {}
    for role in ROLES:
        if role not in values or values[role] == old[role]:
            continue
        if experiment.status != ExperimentStatus.DESIGN:
            raise Conflict(
                _(
                    "This test has started: its secondary metrics and guardrails are "
                    "pre-registered and cannot change."
                ),
                field=role,
            )
        for metric in metrics_of(session, experiment):
            if metric.role == ("secondary" if role == "secondary" else "guardrail"):
                session.delete(metric)
        session.flush()
        for position, metric in enumerate(values[role]):
            session.add(
                ExperimentMetric(
                    experiment_id=experiment.id,
                    role="secondary" if role == "secondary" else "guardrail",
                    position=position,
                    **metric,
                )
            )
        changes[role] = [_describe(old[role]) or None, _describe(values[role]) or None]
    for name in MONEY_FIELDS:
        if name in values and values[name] != old[name]:
            changes[name] = [old[name], values[name]]
            setattr(experiment, name, values[name])
    session.flush()
    return changes


# ---- results ---------------------------------------------------------------------------


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


# ---- decisions -------------------------------------------------------------------------


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


# ---- money -----------------------------------------------------------------------------


def money_per_unit(experiment: Experiment) -> float | None:
    """Money per unit of the primary metric: per conversion, or 1 when it is money itself."""
    if experiment.metric_kind == MetricKind.CONVERSION and experiment.value_per_conversion:
        return float(experiment.value_per_conversion)
    if experiment.metric_kind == MetricKind.CONTINUOUS and experiment.metric_is_money:
        return 1.0
    return None


def impacts(experiment: Experiment, output: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The projected monthly impact of shipping each variant, with its interval at 1 − α:
    [{variant, per_month, low, high, level}]; empty when the test names no money or
    traffic, or the analysis has no comparisons."""
    value, traffic = money_per_unit(experiment), experiment.monthly_traffic
    if not value or not traffic or not output:
        return []
    out = []
    for comparison in output.get("comparisons") or []:
        try:
            result = stats.projected_impact(
                abs_diff=comparison["abs_diff"],
                abs_ci=comparison["abs_ci"],
                value_per_unit=value,
                monthly_traffic=traffic,
            )
        except (stats.StatsInputError, KeyError, TypeError):
            continue
        level = 1 - float(output.get("alpha") or 0.05)
        out.append({"variant": comparison["variant"], **result.to_dict(), "level": level})
    return out


def shipped_impact(experiment: Experiment, output: dict[str, Any] | None) -> float | None:
    """The projected monthly impact of a shipped test: its best variant's point estimate."""
    items = impacts(experiment, output)
    return max((i["per_month"] for i in items), default=None)


def quarter_of(when: Any) -> str:
    return f"{when.year} Q{(when.month - 1) // 3 + 1}"


def impact_by_quarter(session: Session, team_id: int) -> list[dict[str, Any]]:
    """The summed projected monthly impact of the team's shipped tests per quarter of their
    decision, newest first: [{quarter, total, tests}] (tests without money are left out)."""
    query = select(Experiment).where(
        Experiment.team_id == team_id,
        Experiment.decision == Decision.SHIP.value,
        col(Experiment.decided_at).is_not(None),
        col(Experiment.monthly_traffic).is_not(None),
    )
    shipped = session.exec(query).all()
    # Each test's newest analysis of its latest results, for all of them in one statement
    # (later rows win), instead of one statement per shipped test.
    latest = (
        select(Analysis.experiment_id, Analysis.output)
        .join(ResultSet, col(ResultSet.id) == col(Analysis.result_set_id))
        .where(col(Analysis.experiment_id).in_(query.with_only_columns(col(Experiment.id))))
        .order_by(col(ResultSet.id), col(Analysis.id))
    )
    outputs = dict(session.exec(latest).all())
    totals: dict[str, list[float]] = defaultdict(list)
    for experiment in shipped:
        if money_per_unit(experiment) is None:
            continue
        value = shipped_impact(experiment, outputs.get(experiment.id))
        if value is not None and math.isfinite(value):
            totals[quarter_of(experiment.decided_at)].append(value)
    return [
        {"quarter": q, "total": math.fsum(v), "tests": len(v)}
        for q, v in sorted(totals.items(), reverse=True)
    ]


def currency_symbol(code: str | None) -> str:
    """The sign of a currency code (₽ for RUB); an unknown code is shown as itself."""
    return CURRENCIES.get(code or "RUB", code or "₽")
