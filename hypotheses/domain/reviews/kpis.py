"""The weekly KPI snapshot: entering values, and the table with changes and trends.

save_kpis is a complete use case: it validates every value first, writes one audit entry
and commits once; on a refusal nothing is saved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlmodel import Session, col, select

from hypotheses.domain.core import audit
from hypotheses.domain.core.errors import Conflict, ValidationFailed
from hypotheses.domain.core.numbers import NumberError, parse_number
from hypotheses.domain.core.transaction import write_lock
from hypotheses.domain.core.weeks import monday_of, week_of_date
from hypotheses.domain.reviews.metrics import list_metrics
from hypotheses.enums import ReviewStatus
from hypotheses.models import KpiValue, Metric, Review, Team, User

TRACKED_MIN, TRACKED_MAX = 5, 12
TREND_WEEKS = 8
MAX_ABS = 1e12


@dataclass
class KpiRow:
    """One metric in a review's snapshot, compared with the previous review."""

    metric: Metric
    value: float | None
    previous: float | None = None
    previous_week: str | None = None
    delta: float | None = None
    delta_pct: float | None = None
    good: bool | None = None  # None: no change, or nothing to compare with
    trend: list[tuple[str, float | None]] = field(default_factory=list)

    @property
    def arrow(self) -> str:
        """▲ for a rise, ▼ for a fall, → for no change, '' when there is nothing to compare."""
        if self.delta is None:
            return ""
        return "▲" if self.delta > 0 else ("▼" if self.delta < 0 else "→")

    @property
    def trend_values(self) -> list[float | None]:
        return [v for _, v in self.trend]


@dataclass
class KpiTable:
    rows: list[KpiRow]
    tracked_count: int
    warning: str | None
    missing: int


def tracked_warning(count: int) -> str | None:
    """Return the warning for a tracked-metric count outside 5–12, else None."""
    if count == 0:
        return _(
            "No metric is tracked yet; a weekly review should look at %(lo)d–%(hi)d. "
            "Track some in the metric catalog.",
            lo=TRACKED_MIN,
            hi=TRACKED_MAX,
        )
    if count < TRACKED_MIN:
        return ngettext(
            "Only %(num)d metric is tracked; a weekly review should look at %(lo)d–%(hi)d. "
            "Track more in the metric catalog.",
            "Only %(num)d metrics are tracked; a weekly review should look at %(lo)d–%(hi)d. "
            "Track more in the metric catalog.",
            count,
            lo=TRACKED_MIN,
            hi=TRACKED_MAX,
        )
    if count > TRACKED_MAX:
        return _(
            "%(n)d metrics are tracked; a weekly review should look at %(lo)d–%(hi)d. "
            "Untrack some in the metric catalog.",
            n=count,
            lo=TRACKED_MIN,
            hi=TRACKED_MAX,
        )
    return None


def compare(
    metric: Metric, value: float | None, previous: float | None
) -> tuple[float | None, float | None, bool | None]:
    """Return (delta, delta in %, good) of *value* against *previous* by the metric's direction."""
    if value is None or previous is None:
        return None, None, None
    delta = value - previous
    pct = None if previous == 0 else delta / abs(previous) * 100
    if delta == 0:
        return 0.0, (0.0 if pct is not None else None), None
    rising_is_good = metric.direction != "down"
    return delta, pct, (delta > 0) == rising_is_good


def _values_by_week(session: Session, team: Team, weeks: list[str]) -> dict[tuple[str, int], float]:
    rows = session.exec(
        select(Review.iso_week, KpiValue.metric_id, KpiValue.value)
        .join(KpiValue, col(KpiValue.review_id) == col(Review.id))
        .where(Review.team_id == team.id, col(Review.iso_week).in_(weeks))
    ).all()
    return {(week, metric_id): value for week, metric_id, value in rows}


def _previous_values(session: Session, team: Team, review: Review) -> dict[int, tuple[str, float]]:
    """Return metric id → (week, value) from the latest earlier review that has a value."""
    rows = session.exec(
        select(Review.iso_week, KpiValue.metric_id, KpiValue.value)
        .join(KpiValue, col(KpiValue.review_id) == col(Review.id))
        .where(Review.team_id == team.id, col(Review.iso_week) < review.iso_week)
        .order_by(col(Review.iso_week).desc())
    ).all()
    found: dict[int, tuple[str, float]] = {}
    for week, metric_id, value in rows:
        found.setdefault(metric_id, (week, value))
    return found


def trend_weeks(iso_week: str, count: int = TREND_WEEKS) -> list[str]:
    """Return the *count* ISO weeks ending with *iso_week*, oldest first."""
    monday = monday_of(iso_week)
    return [week_of_date(monday - timedelta(weeks=k)) for k in range(count - 1, -1, -1)]


def kpi_table(session: Session, *, team: Team, review: Review) -> KpiTable:
    """Build the snapshot table: value, previous value, change, good/bad, 8-week trend.

    A draft shows the tracked metrics (plus any untracked one that already has a value);
    a published review shows exactly the metrics it recorded.
    """
    weeks = trend_weeks(review.iso_week)
    return _table(
        review,
        list_metrics(session, team=team),
        _values_by_week(session, team, weeks),
        _previous_values(session, team, review),
    )


def kpi_tables(session: Session, *, team: Team, reviews: list[Review]) -> dict[int, KpiTable]:
    """Return review id → its ``kpi_table``, for many reviews of *team* in two statements."""
    if not reviews:
        return {}
    catalog = list_metrics(session, team=team)
    rows = session.exec(
        select(Review.iso_week, KpiValue.metric_id, KpiValue.value)
        .join(KpiValue, col(KpiValue.review_id) == col(Review.id))
        .where(Review.team_id == team.id)
        .order_by(col(Review.iso_week).desc())
    ).all()
    by_week = {(week, metric_id): value for week, metric_id, value in rows}
    out = {}
    for review in reviews:
        previous: dict[int, tuple[str, float]] = {}
        for week, metric_id, value in rows:  # newest first: the first earlier one wins
            if week < review.iso_week:
                previous.setdefault(metric_id, (week, value))
        out[review.id] = _table(review, catalog, by_week, previous)
    return out


def _table(
    review: Review,
    catalog: list[Metric],
    by_week: dict[tuple[str, int], float],
    previous: dict[int, tuple[str, float]],
) -> KpiTable:
    weeks = trend_weeks(review.iso_week)
    tracked_count = sum(1 for m in catalog if m.tracked)
    recorded = {mid for (week, mid) in by_week if week == review.iso_week}
    if review.status == ReviewStatus.PUBLISHED:
        shown = [m for m in catalog if m.id in recorded]
    else:
        shown = [m for m in catalog if m.tracked or m.id in recorded]
    rows = []
    for metric in shown:
        value = by_week.get((review.iso_week, metric.id))
        prev_week, prev_value = previous.get(metric.id, (None, None))
        delta, pct, good = compare(metric, value, prev_value)
        rows.append(
            KpiRow(
                metric=metric,
                value=value,
                previous=prev_value,
                previous_week=prev_week,
                delta=delta,
                delta_pct=pct,
                good=good,
                trend=[(w, by_week.get((w, metric.id))) for w in weeks],
            )
        )
    warning = tracked_warning(tracked_count) if review.status != ReviewStatus.PUBLISHED else None
    return KpiTable(
        rows=rows,
        tracked_count=tracked_count,
        warning=warning,
        missing=sum(1 for r in rows if r.value is None),
    )


def _check_value(metric: Metric, value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):  # text is read by the form or the API, never here
        return _("Enter a number.")
    try:
        value = parse_number(value)
    except NumberError as error:
        return str(error)
    if abs(value) > MAX_ABS:
        return _("This number is too large.")
    if metric.unit == "duration" and value < 0:
        return _("A duration cannot be negative.")
    return None


def save_kpis(
    session: Session,
    *,
    team: Team,
    actor: User,
    review: Review,
    values: dict[int | str, float | None],
) -> dict[str, list]:
    """Store this week's values (None clears one) and return the audited diff by metric name.

    Keys are metric ids or names. Errors are keyed ``kpi_<metric id>`` (or ``kpis``).
    :raises Conflict: the review is published (read-only).
    :raises ValidationFailed: an unknown metric or a value that is not a finite number.
    """
    write_lock(session)
    if review.status != ReviewStatus.DRAFT:
        raise Conflict(_("This review is published and read-only. Corrections go in an addendum."))
    catalog = {m.id: m for m in list_metrics(session, team=team)}
    by_name = {m.name.lower(): m for m in catalog.values()}
    errors: dict[str, list[str]] = {}
    clean: dict[int, float | None] = {}
    for key, value in values.items():
        metric = catalog.get(key) if isinstance(key, int) else by_name.get(str(key).strip().lower())
        if metric is None:
            errors.setdefault("kpis", []).append(_("Unknown metric: %(key)s.", key=key))
            continue
        problem = _check_value(metric, value)
        if problem:
            errors[f"kpi_{metric.id}"] = [problem]
        else:
            clean[metric.id] = None if value is None else float(value)
    if errors:
        raise ValidationFailed(errors, _("The KPI snapshot was not saved; see the marked values."))
    existing = {
        kv.metric_id: kv
        for kv in session.exec(select(KpiValue).where(KpiValue.review_id == review.id)).all()
    }
    changes: dict[str, list] = {}
    for metric_id, value in clean.items():
        row = existing.get(metric_id)
        old = row.value if row else None
        if old == value:
            continue
        changes[catalog[metric_id].name] = [old, value]
        if value is None:
            session.delete(row)
        elif row is None:
            session.add(KpiValue(review_id=review.id, metric_id=metric_id, value=value))
        else:
            row.value = value
            session.add(row)
    if changes:
        audit.log(session, "review", review, "review.kpis", actor, changes=changes)
        session.commit()
    return changes
