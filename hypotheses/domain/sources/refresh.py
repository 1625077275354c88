"""A test's results from SQL: its source and queries (leads), the generated aggregate query
per metric, and a refresh (marketers, leads, or the daily schedule) that stores the primary
metric's per-variant numbers as the test's results: a recorded look with its time, judged by
the team's early-look method like any other entry (experiments.results.record_results).

A query that returns the wrong shape, more rows than the test has variants, or runs past the
source's timeout stores nothing and says why.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlmodel import Session, col, select

from hypotheses.domain.core.errors import Conflict, DomainError, ValidationFailed
from hypotheses.domain.core.numbers import to_int
from hypotheses.domain.core.roles import require_permission, role_of
from hypotheses.domain.experiments.common import get_experiment, record_experiment, variants_of
from hypotheses.domain.experiments.results import record_results
from hypotheses.domain.sources import catalog, engines, running, sqlgen
from hypotheses.domain.sources.catalog import use_case
from hypotheses.domain.sources.metric_links import (
    PRIMARY,
    LinkedMetric,
    test_metrics,
    with_other_metrics,
)
from hypotheses.enums import ExperimentStatus, MetricKind
from hypotheses.models import (
    DataSource,
    Experiment,
    ExperimentSource,
    MetricQuery,
    SourceRefresh,
    Team,
    User,
    utcnow,
)
from hypotheses.permissions import role_can

MAX_SQL = 20000


@dataclass(frozen=True)
class SqlSetup:
    source_id: Any
    assignment_sql: str
    days: Any
    metric_sql: dict[str, str]  # metric key -> query (blank: none)


def setup_of(session: Session, experiment: Experiment) -> ExperimentSource | None:
    return session.exec(
        select(ExperimentSource).where(ExperimentSource.experiment_id == experiment.id)
    ).first()


def metric_queries(session: Session, experiment: Experiment) -> dict[str, str]:
    rows = session.exec(select(MetricQuery).where(MetricQuery.experiment_id == experiment.id))
    return {q.metric_key: q.sql for q in rows}


def _shape(source: DataSource, sql: str, expected: tuple[str, ...], what: str) -> None:
    """Refuse a query whose columns are not *expected* (names, any order)."""
    result = catalog.run_on(source, sqlgen.columns_probe(engines.strip_statement(sql)))
    got = [c.lower() for c in result.columns]
    if sorted(got) != sorted(expected):
        raise running.SourceError(
            _(
                "The %(what)s returns the columns %(got)s; it must return exactly %(want)s.",
                what=what,
                got=", ".join(got) or "—",
                want=", ".join(expected),
            )
        )


def check_setup(
    session: Session, *, team: Team, actor: User | None, hypothesis_id: int, setup: SqlSetup
) -> dict[str, Any]:
    """Validate a test's SQL setup and run each query's shape check on the source (before the
    use case stores it). ValidationFailed names the field of each problem."""
    require_permission(session, "source.manage", team=team, actor=actor)
    experiment = get_experiment(session, team=team, hypothesis_id=hypothesis_id)
    errors: dict[str, list[str]] = {}
    source_id = to_int(setup.source_id, minimum=1, maximum=2**31 - 1)
    source = None
    if source_id is not None:
        try:
            source = catalog.get_source(session, team=team, source_id=source_id)
        except DomainError:
            source = None
    if source is None:
        errors["source_id"] = [_("Choose one of the team's data sources.")]
    days = to_int(setup.days, minimum=1, maximum=sqlgen.MAX_DAYS)
    if days is None:
        errors["days"] = [_("The attribution window is a whole number of days from 1 to 365.")]
    queries = {"assignment_sql": (setup.assignment_sql or "").strip()}
    known = {m.key for m in test_metrics(session, experiment)}
    for key, sql in setup.metric_sql.items():
        if key in known and (sql or "").strip():
            queries[f"metric_sql:{key}"] = sql.strip()
    if not queries["assignment_sql"]:
        errors["assignment_sql"] = [_("Give the assignment query.")]
    if f"metric_sql:{PRIMARY}" not in queries:
        errors[f"metric_sql:{PRIMARY}"] = [_("Give the primary metric's query.")]
    for field, sql in queries.items():
        if len(sql) > MAX_SQL:
            errors[field] = [_("A query is at most 20,000 characters.")]
    if source is not None and not errors:
        for field, sql in queries.items():
            is_assignment = field == "assignment_sql"
            expected = sqlgen.ASSIGNMENT_COLUMNS if is_assignment else sqlgen.METRIC_COLUMNS
            what = _("assignment query") if is_assignment else _("metric query")
            try:
                _shape(source, sql, expected, what)
            except running.SourceError as error:
                errors[field] = [error.message]
    if errors:
        raise ValidationFailed(errors, _("The SQL setup needs attention; nothing was saved."))
    return {"source_id": source_id, "days": days, "queries": queries}


@use_case
def save_setup(
    session: Session, *, team: Team, actor: User | None, hypothesis_id: int, checked: dict
) -> ExperimentSource:
    """Store a setup that check_setup accepted: the source, assignment query, window and
    metric queries (metrics without a query lose theirs)."""
    require_permission(session, "source.manage", team=team, actor=actor)
    experiment = get_experiment(session, team=team, hypothesis_id=hypothesis_id)
    catalog.get_source(session, team=team, source_id=checked["source_id"])
    setup = setup_of(session, experiment) or ExperimentSource(
        experiment_id=experiment.id, source_id=checked["source_id"], assignment_sql=""
    )
    setup.source_id = checked["source_id"]
    setup.assignment_sql = checked["queries"]["assignment_sql"]
    setup.days = checked["days"]
    setup.updated_by_id = actor.id if actor else None
    setup.updated_at = utcnow()
    session.add(setup)
    stored = {
        q.metric_key: q
        for q in session.exec(select(MetricQuery).where(MetricQuery.experiment_id == experiment.id))
    }
    wanted = {
        field.split(":", 1)[1]: sql
        for field, sql in checked["queries"].items()
        if field.startswith("metric_sql:")
    }
    for key, query in stored.items():
        if key not in wanted:
            session.delete(query)
    for key, sql in wanted.items():
        query = stored.get(key) or MetricQuery(experiment_id=experiment.id, metric_key=key, sql="")
        query.sql = sql
        session.add(query)
    record_experiment(
        session,
        experiment,
        actor=actor,
        action="experiment.sql_setup",
        changes={"sql_metrics": [None, sorted(wanted)], "days": [None, setup.days]},
    )
    return setup


def window_of(experiment: Experiment, now: datetime | None = None) -> dict[str, datetime]:
    """The exposure window bound into the query: from the start to the end (or now)."""
    now = now or datetime.now(UTC)
    start = experiment.started_at or now
    end = experiment.ended_at or now
    naive = [d.replace(tzinfo=None) if d.tzinfo else d for d in (start, end)]
    return {"window_start": naive[0], "window_end": naive[1] + timedelta(seconds=1)}


def generated_sql(session: Session, experiment: Experiment) -> list[tuple[LinkedMetric, str]]:
    """The aggregate query of each metric that has a query, as it is sent to the source."""
    setup = setup_of(session, experiment)
    if setup is None:
        return []
    source = session.get(DataSource, setup.source_id)
    dialect = engines.dialect_of(source.kind, source.display) if source else "ansi"
    queries = metric_queries(session, experiment)
    return [
        (m, sqlgen.aggregate_sql(dialect, setup.assignment_sql, queries[m.key], setup.days))
        for m in test_metrics(session, experiment)
        if m.key in queries
    ]


def _stats_rows(result: running.Result, names: list[str], metric: LinkedMetric) -> list[dict]:
    if [c.lower() for c in result.columns] != list(sqlgen.RESULT_COLUMNS):
        raise running.SourceError(_("The source returned columns other than those asked for."))
    stats = [sqlgen.variant_stats(row) for row in result.rows]
    unknown = sorted({s["variant"] for s in stats} - set(names))
    if unknown:
        raise running.SourceError(
            _(
                "The assignment query returns variants this test does not have: %(unknown)s "
                "(the test has %(names)s); nothing was stored.",
                unknown=", ".join(unknown[:5]),
                names=", ".join(names),
            )
        )
    missing = [n for n in names if n not in {s["variant"] for s in stats}]
    if missing:
        raise running.SourceError(
            _(
                "No exposed users yet in %(missing)s for “%(metric)s”; nothing was stored.",
                missing=", ".join(missing),
                metric=metric.name,
            )
        )
    order = {name: i for i, name in enumerate(names)}
    return sorted(stats, key=lambda s: order[s["variant"]])


def numbers_of(kind: str, s: dict) -> dict[str, Any]:
    """One variant's statistics as the results form takes them: visitors and conversions, or
    n, mean and standard deviation (from n, sum and sum of squares)."""
    if kind == MetricKind.CONVERSION:
        return {"visitors": s["n"], "conversions": s["conversions"]}
    n = s["n"]
    mean = s["sum"] / n
    var = max(0.0, (s["sum_sq"] - s["sum"] * s["sum"] / n) / (n - 1)) if n > 1 else 0.0
    return {"n": n, "mean": mean, "sd": math.sqrt(var)}


def results_rows(kind: str, stats: list[dict]) -> list[dict[str, Any]]:
    """The primary metric's per-variant statistics as result rows."""
    return [{"name": s["variant"], **numbers_of(kind, s)} for s in stats]


def fetch_stats(
    session: Session, experiment: Experiment, now: datetime | None = None
) -> tuple[list[dict], float]:
    """Run every metric's aggregate query on the source; return [{metric_key, name, kind,
    role, variants: [...]}, ...] and the seconds taken. Reads only; SourceError on a problem."""
    setup = setup_of(session, experiment)
    if setup is None:
        raise Conflict(_("This test has no SQL setup yet; a lead sets the source and queries."))
    source = session.get(DataSource, setup.source_id)
    names = [v.name for v in variants_of(session, experiment=experiment)]
    params = window_of(experiment, now)
    out, seconds = [], 0.0
    for metric, sql in generated_sql(session, experiment):
        result = catalog.run_on(source, sql, params, max_rows=len(names))
        seconds += result.seconds
        stats = _stats_rows(result, names, metric)
        out.append(
            {
                "metric_key": metric.key,
                "name": metric.name,
                "kind": metric.kind,
                "role": metric.role,
                "variants": stats,
            }
        )
    return out, seconds


def refresh(
    session: Session, *, team: Team, actor: User | None, hypothesis_id: int, now=None
) -> SourceRefresh:
    """Run the test's queries now and record the primary metric's numbers as a look."""
    require_permission(session, "source.use", team=team, actor=actor)
    experiment = get_experiment(session, team=team, hypothesis_id=hypothesis_id)
    if experiment.status != ExperimentStatus.RUNNING:
        raise Conflict(_("Only a running test is refreshed from its source."), field="status")
    stats, seconds = fetch_stats(session, experiment, now)
    primary = next(s for s in stats if s["metric_key"] == PRIMARY)
    if experiment.metric_kind == MetricKind.CONTINUOUS and any(
        v["n"] < 2 for v in primary["variants"]
    ):
        raise running.SourceError(_("Each variant needs at least 2 users; nothing was stored."))
    recorded: list[SourceRefresh] = []
    experiment_id, actor_id = experiment.id, actor.id if actor else None

    def attach(session: Session, analysis) -> None:  # in the results' own transaction
        row = SourceRefresh(
            experiment_id=experiment_id,
            result_set_id=analysis.result_set_id,
            ran_by_id=actor_id,
            seconds=round(seconds, 3),
            stats=stats,
        )
        session.add(row)
        session.flush()
        recorded.append(row)

    record_results(
        session,
        team=team,
        actor=actor,
        hypothesis_id=hypothesis_id,
        variants=with_other_metrics(
            results_rows(experiment.metric_kind, primary["variants"]), stats, numbers_of
        ),
        final=False,
        source="sql",
        attach=attach,
    )
    return recorded[0]


def refreshes(session: Session, experiment: Experiment) -> list[SourceRefresh]:
    return list(
        session.exec(
            select(SourceRefresh)
            .where(SourceRefresh.experiment_id == experiment.id)
            .order_by(col(SourceRefresh.ran_at), col(SourceRefresh.id))
        ).all()
    )


def lift_series(session: Session, experiment: Experiment) -> list[dict[str, Any]]:
    """The primary metric's cumulative lift of each variant against the control at each
    refresh: [{"at": datetime, "lifts": {variant: fraction or None}}]."""
    series = []
    for row in refreshes(session, experiment):
        primary = next((s for s in row.stats if s.get("metric_key") == PRIMARY), None)
        if not primary or not primary["variants"]:
            continue
        values = [_value(primary["kind"], v) for v in primary["variants"]]
        control = values[0]
        lifts = {
            v["variant"]: (value / control - 1 if control else None)
            for v, value in zip(primary["variants"][1:], values[1:], strict=True)
        }
        series.append({"at": row.ran_at, "lifts": lifts})
    return series


def _value(kind: str, stats: dict) -> float:
    n = stats["n"] or 1
    return (stats["conversions"] if kind == MetricKind.CONVERSION else stats["sum"]) / n


def _scheduled_actor(session: Session, team: Team, setup: ExperimentSource) -> User | None:
    """Who a scheduled refresh acts as: the lead who set the queries up, while they may."""
    if setup.updated_by_id is None:
        return None
    user = session.get(User, setup.updated_by_id)
    role = role_of(session, team=team, user=user)
    return user if user is not None and user.is_active and role_can(role, "source.use") else None


def refresh_due(session: Session, now: datetime | None = None) -> list[tuple[int, str]]:
    """Refresh every running test with a SQL setup not refreshed yet today (UTC); return
    (experiment id, "ok" or the problem) for each one tried."""
    now = now or datetime.now(UTC)
    today = datetime(now.year, now.month, now.day)
    running = session.exec(
        select(Experiment, ExperimentSource)
        .join(ExperimentSource, col(ExperimentSource.experiment_id) == col(Experiment.id))
        .where(Experiment.status == ExperimentStatus.RUNNING)
        .order_by(col(Experiment.id))
    ).all()
    done = []
    for experiment, setup in running:
        latest = refreshes(session, experiment)
        last = latest[-1].ran_at.replace(tzinfo=None) if latest else None
        if last is not None and last >= today:
            continue
        team = session.get(Team, experiment.team_id)
        actor = _scheduled_actor(session, team, setup)
        try:
            if actor is None:
                raise DomainError(_("The lead who set up the queries can no longer refresh."))
            refresh(
                session, team=team, actor=actor, hypothesis_id=experiment.hypothesis_id, now=now
            )
            done.append((experiment.id, "ok"))
        except DomainError as error:
            session.rollback()
            done.append((experiment.id, error.message))
    return done
