"""KPI values from SQL: a catalog metric may carry a source and a query returning one value for
an ISO week. ``:week_start`` (the Monday) and ``:week_end`` (the next Monday, exclusive) are
bound as parameters, never formatted into the SQL. Opening the week's review fills the KPI
snapshot from them (KpiFetch keeps the value and its time: "from source"); a person may still
override a value, with a reason.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from flask_babel import gettext as _
from sqlmodel import Session, select

from hypotheses.domain.core.errors import DomainError, NotFound, ValidationFailed
from hypotheses.domain.core.numbers import NumberError, parse_number, to_int
from hypotheses.domain.core.roles import require_permission
from hypotheses.domain.core.weeks import iso_week_of, monday_of
from hypotheses.domain.sources import catalog, engines, running, sqlgen
from hypotheses.domain.sources.catalog import use_case
from hypotheses.domain.sources.refresh import MAX_SQL
from hypotheses.enums import ReviewStatus
from hypotheses.models import DataSource, KpiFetch, KpiValue, Metric, Review, Team, User, utcnow

MAX_ABS = 1e12


def week_params(iso_week: str) -> dict[str, Any]:
    monday = monday_of(iso_week)
    return {"week_start": monday, "week_end": monday + timedelta(days=7)}


def _one_value(result: running.Result) -> float:
    if len(result.columns) != 1 or len(result.rows) != 1:
        raise running.SourceError(
            _(
                "A KPI query returns one row with one column; this one returned %(rows)d "
                "row(s) of %(cols)d column(s). Nothing was stored.",
                rows=len(result.rows),
                cols=len(result.columns),
            )
        )
    value = result.rows[0][0]
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number) or abs(number) > MAX_ABS:
        raise running.SourceError(
            _("A KPI query returns a finite number; this one returned %(v)s.", v=str(value)[:40])
        )
    return number


def run_kpi(source: DataSource, sql: str, iso_week: str) -> float:
    """Run a KPI query for *iso_week* on *source*; its one value, or SourceError."""
    wrapped = sqlgen.kpi_sql(engines.strip_statement(sql))
    try:
        result = catalog.run_on(source, wrapped, week_params(iso_week), max_rows=1)
    except running.TooManyRows:
        raise running.SourceError(
            _("A KPI query returns one row with one column; this one returned more rows.")
        ) from None
    return _one_value(result)


def check_kpi_query(
    session: Session, *, team: Team, actor: User | None, metric_id: int, source_id: Any, sql: str
) -> dict[str, Any]:
    """Validate a metric's KPI query and try it on this week (before save_kpi_query stores it);
    a blank query removes it. Returns what to store, with the value it gave."""
    require_permission(session, "source.manage", team=team, actor=actor)
    metric = session.get(Metric, metric_id)
    if metric is None or metric.team_id != team.id:
        raise NotFound(_("There is no such metric in this team."))
    sql = (sql or "").strip()
    if not sql:
        return {"metric_id": metric.id, "source_id": None, "sql": None, "value": None}
    errors: dict[str, list[str]] = {}
    source = None
    sid = to_int(source_id, minimum=1, maximum=2**31 - 1)
    try:
        source = catalog.get_source(session, team=team, source_id=sid or 0)
    except DomainError:
        errors["source_id"] = [_("Choose one of the team's data sources.")]
    if len(sql) > MAX_SQL:
        errors["source_query"] = [_("A query is at most 20,000 characters.")]
    value = None
    if not errors:
        try:
            value = run_kpi(source, sql, iso_week_of())
        except running.SourceError as error:
            errors["source_query"] = [error.message]
    if errors:
        raise ValidationFailed(errors, _("The KPI query needs attention; nothing was saved."))
    return {"metric_id": metric.id, "source_id": source.id, "sql": sql, "value": value}


@use_case
def save_kpi_query(session: Session, *, team: Team, actor: User | None, checked: dict) -> Metric:
    require_permission(session, "source.manage", team=team, actor=actor)
    metric = session.get(Metric, checked["metric_id"])
    if metric is None or metric.team_id != team.id:
        raise NotFound(_("There is no such metric in this team."))
    metric.source_id, metric.source_query = checked["source_id"], checked["sql"]
    session.add(metric)
    return metric


def fill_review(session: Session, *, team: Team, review: Review) -> list[str]:
    """Fill the draft review's KPI snapshot from each tracked metric's query (a value a person
    entered is kept); return the problems, one line per metric that failed (nothing of it is
    stored). Queries run before the write lock; storing is one short transaction."""
    if review.status != ReviewStatus.DRAFT:
        return []
    metrics = session.exec(
        select(Metric).where(
            Metric.team_id == team.id,
            Metric.tracked == True,  # noqa: E712
            Metric.source_query.is_not(None),  # type: ignore[union-attr]
            Metric.source_id.is_not(None),  # type: ignore[union-attr]
        )
    ).all()
    values, problems = {}, []
    for metric in metrics:
        source = session.get(DataSource, metric.source_id)
        try:
            values[metric.id] = run_kpi(source, metric.source_query, review.iso_week)
        except running.SourceError as error:
            problems.append(f"{metric.name}: {error.message}")
    if values:
        _store_fetched(session, review_id=review.id, values=values)
    return problems


@use_case
def _store_fetched(session: Session, *, review_id: int, values: dict[int, float]) -> None:
    entered = {
        k.metric_id: k
        for k in session.exec(select(KpiValue).where(KpiValue.review_id == review_id))
    }
    fetched = {
        f.metric_id: f
        for f in session.exec(select(KpiFetch).where(KpiFetch.review_id == review_id))
    }
    for metric_id, value in values.items():
        row = entered.get(metric_id)
        before = fetched.get(metric_id)
        if row is not None and (before is None or before.override_reason):
            continue  # typed in, or overridden: a person's value stays
        row = row or KpiValue(review_id=review_id, metric_id=metric_id, value=value)
        row.value = value
        session.add(row)
        mark = before or KpiFetch(review_id=review_id, metric_id=metric_id, value=value)
        mark.value, mark.fetched_at = value, utcnow()
        session.add(mark)


def fetched_marks(session: Session, review: Review) -> dict[int, KpiFetch]:
    """Metric id -> the value taken from its source for *review* (and any override)."""
    rows = session.exec(select(KpiFetch).where(KpiFetch.review_id == review.id))
    return {f.metric_id: f for f in rows}


@use_case
def override_value(
    session: Session,
    *,
    team: Team,
    actor: User | None,
    review_id: int,
    metric_id: int,
    value: Any,
    reason: str,
) -> KpiValue:
    """Replace a value taken from a source by a person's, with the reason (draft reviews)."""
    require_permission(session, "review.draft", team=team, actor=actor)
    review = session.get(Review, review_id)
    if review is None or review.team_id != team.id:
        raise NotFound(_("There is no such review in this team."))
    if review.status != ReviewStatus.DRAFT:
        raise ValidationFailed({"value": [_("A published review is read-only.")]})
    mark = session.exec(
        select(KpiFetch).where(KpiFetch.review_id == review.id, KpiFetch.metric_id == metric_id)
    ).first()
    if mark is None:
        raise NotFound(_("This metric's value was not taken from a source."))
    errors: dict[str, list[str]] = {}
    try:
        number = parse_number(value)
        if not math.isfinite(number) or abs(number) > MAX_ABS:
            raise NumberError("range")
    except NumberError:
        number = None
        errors["value"] = [_("Give the value as a number.")]
    reason = (reason or "").strip()
    if not 3 <= len(reason) <= 500:
        errors["reason"] = [_("Say why the source's value is overridden (3 to 500 characters).")]
    if errors:
        raise ValidationFailed(errors, _("The override needs attention; nothing was saved."))
    row = session.exec(
        select(KpiValue).where(KpiValue.review_id == review.id, KpiValue.metric_id == metric_id)
    ).first() or KpiValue(review_id=review.id, metric_id=metric_id, value=number)
    row.value = number
    session.add(row)
    mark.override_reason = reason
    mark.overridden_by_id = actor.id if actor else None
    mark.overridden_at = utcnow()
    session.add(mark)
    return row
