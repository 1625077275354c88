"""Metrics per test beside the primary one, and what a result is worth (issue 13).

A test has one primary metric (on the experiment row: it decides the verdict and drives the
planned sample), up to 5 secondary metrics (shown, Benjamini–Hochberg adjusted, exploratory)
and up to 3 guardrails (a good direction and a tolerated loss, tested one-sided at the test's
α; docs/statistics.md). Every metric is measured on the primary's arms: results carry, per
variant, a conversion metric's conversions or a continuous metric's mean and sd.

Design data (domain units, fractions): ``secondary`` [{name, kind, baseline, baseline_sd}],
``guardrails`` [{name, kind, direction, tolerance}], ``value_per_conversion``,
``metric_is_money``, ``monthly_traffic``. A key left out keeps what is stored (old
single-metric requests keep working); an empty list removes the metrics. Their numbers in
results are ``metric_results``; what a test is worth is ``impact``.
"""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from sqlmodel import Session, select

import stats
from hypotheses.domain.core.errors import Conflict
from hypotheses.domain.core.numbers import to_int, to_number
from hypotheses.enums import ExperimentStatus, MetricKind
from hypotheses.models import Experiment, ExperimentMetric

MAX_SECONDARY, MAX_GUARDRAILS = 5, 3
MAX_NAME = 120
MAX_MONEY = 1e12
MAX_TRAFFIC = 2_000_000_000  # an INTEGER column
MAX_COUNT = 10**12
DIRECTIONS = ("increase", "decrease")
ROLES = {"secondary": MAX_SECONDARY, "guardrails": MAX_GUARDRAILS}
MONEY_FIELDS = ("value_per_conversion", "metric_is_money", "monthly_traffic")
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
