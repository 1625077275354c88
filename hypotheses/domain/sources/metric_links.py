"""The one place that knows a test's metrics, for the SQL link: which metrics a test has, and
under which key each one's query is stored (MetricQuery.metric_key).

The primary metric lives on the experiment ("primary"). Secondary metrics and guardrails of
issue 13 (ExperimentMetric) are keyed by name ("metric:<name>"): a renamed metric loses its
query, a deleted one leaves its query unused. Only the primary metric's numbers become the
test's recorded results (and a look); the others are stored with each refresh.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from hypotheses.models import Experiment

PRIMARY = "primary"


@dataclass(frozen=True)
class LinkedMetric:
    key: str
    name: str
    kind: str  # conversion or continuous
    role: str  # primary, secondary or guardrail


def test_metrics(session: Session, experiment: Experiment) -> list[LinkedMetric]:
    """The test's metrics, primary first."""
    metrics = [LinkedMetric(PRIMARY, experiment.metric_name or "", experiment.metric_kind, PRIMARY)]
    try:
        from hypotheses.models import ExperimentMetric
    except ImportError:  # per-test metrics not in this version
        return metrics
    rows = session.exec(
        select(ExperimentMetric)
        .where(ExperimentMetric.experiment_id == experiment.id)
        .order_by(col(ExperimentMetric.role), col(ExperimentMetric.position))
    ).all()
    metrics += [LinkedMetric(f"metric:{m.name}", m.name, m.kind, m.role) for m in rows]
    return metrics


test_metrics.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def with_other_metrics(rows: list[dict], stats: list[dict], numbers) -> list[dict]:
    """Add the other metrics' per-variant numbers to the primary metric's result *rows*, as
    record_results takes them (each row's ``metrics``: {metric name: {conversions} or
    {mean, sd}}). *numbers(kind, variant_stats)* gives a metric's numbers for one variant."""
    for metric in stats:
        if metric["metric_key"] == PRIMARY:
            continue
        for row, variant in zip(rows, metric["variants"], strict=True):
            cell = numbers(metric["kind"], variant)
            cell = {k: v for k, v in cell.items() if k not in ("visitors", "n")}  # the arm's
            row.setdefault("metrics", {})[metric["name"]] = cell
    return rows
