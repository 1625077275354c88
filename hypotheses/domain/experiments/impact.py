"""What a test is worth: money per unit, projected monthly impact, impact by quarter, currencies."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from sqlmodel import Session, col, select

import stats
from hypotheses.enums import Decision, MetricKind
from hypotheses.models import Analysis, Experiment, ResultSet

CURRENCIES = {"RUB": "₽", "USD": "$", "EUR": "€", "KZT": "₸"}


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
