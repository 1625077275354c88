"""The dashboard: what the team tests right now, free slots, backlog health, what waits.

Read-only: nothing here writes or commits.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlmodel import Session, col, func, select

from hypotheses.domain.backlog import queries as backlog_queries
from hypotheses.domain.core.weeks import week_of_date
from hypotheses.domain.experiments import learnings, progress, trust
from hypotheses.domain.experiments.common import sample_total
from hypotheses.domain.reviews import queries as review_queries
from hypotheses.enums import ExperimentStatus, Status, Subject
from hypotheses.models import Experiment, Hypothesis, ResultSet, Review, Team, Variant, utcnow

STALE_DAYS = 30
SUBJECT_SHARE_LIMIT = 0.6  # warn when one subject is over 60% of the backlog
SUBJECT_MIX_MIN = 5  # below this size a lopsided mix says nothing
WAITING_SHOWN = 5
LEARNINGS_SHOWN = 3
STALE_SHOWN = 5


@dataclass
class RunningTest:
    """A running test with its progress against the planned sample and the days left."""

    experiment_id: int
    hypothesis_id: int
    slot: int | None
    title: str
    metric: str
    metric_kind: str
    started_at: datetime | None
    planned: int | None  # planned sample, all variants together
    observed: int | None  # visitors (or units) in the latest results, all variants
    days_left: int | None
    end_date: date | None
    results_at: datetime | None
    variants: int

    @property
    def percent(self) -> int | None:
        """Return the observed share of the planned sample in percent (may exceed 100)."""
        return progress.percent(self.observed, self.planned)

    @property
    def bar_percent(self) -> int:
        return min(100, self.percent or 0)

    @property
    def early_look(self) -> bool:
        """Tell whether results exist but stay below the planned sample."""
        return self.observed is not None and bool(self.planned) and self.observed < self.planned

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0


@dataclass
class SubjectShare:
    subject: str
    count: int
    percent: int


@dataclass
class Dashboard:
    """Everything the home page shows, computed in one place."""

    running: list[RunningTest]
    limit: int
    health: backlog_queries.BacklogHealth
    stale: list[Hypothesis]
    stale_count: int
    subject_mix: list[SubjectShare]
    subject_warning: str | None
    waiting: list  # backlog.Scored rows, best score first
    waiting_total: int
    awaiting_decision: list[tuple[Experiment, Hypothesis]]
    iso_week: str
    review: Review | None
    learnings: list[learnings.LearningRow] = field(default_factory=list)
    # {experiment id: trust of its latest analysis}, for the tests shown (the warnings)
    trust: dict[int, trust.Trust] = field(default_factory=dict)
    today: date = field(default_factory=lambda: utcnow().date())

    @property
    def free_slots(self) -> int:
        return max(0, self.limit - len(self.running))

    @property
    def review_published(self) -> bool:
        """Tell whether this week's review is published (the page links to its read view)."""
        return self.review is not None and review_queries.is_published(self.review)


def iso_week(day: date) -> str:
    """Return the ISO week of *day* as '2026-W07' (the reviews' calendar)."""
    return week_of_date(day)


def running_tests(session: Session, *, team: Team, today: date | None = None) -> list[RunningTest]:
    """Return the team's running tests, the earliest started first, with their progress."""
    today = today or utcnow().date()
    rows = session.exec(
        select(Experiment, Hypothesis)
        .join(Hypothesis, col(Hypothesis.id) == col(Experiment.hypothesis_id))
        .where(Experiment.team_id == team.id, Experiment.status == ExperimentStatus.RUNNING)
        .order_by(col(Experiment.started_at), col(Experiment.id))
    ).all()
    ids = [e.id for e, _h in rows]
    variant_counts = (
        dict(
            session.exec(
                select(Variant.experiment_id, func.count(col(Variant.id)))
                .where(col(Variant.experiment_id).in_(ids))
                .group_by(Variant.experiment_id)
            ).all()
        )
        if ids
        else {}
    )
    latest: dict[int, ResultSet] = {}
    if ids:
        for result in session.exec(
            select(ResultSet)
            .where(col(ResultSet.experiment_id).in_(ids))
            .order_by(col(ResultSet.created_at), col(ResultSet.id))
        ).all():
            latest[result.experiment_id] = result
    tests = []
    for experiment, hypothesis in rows:
        variants = variant_counts.get(experiment.id, 0)
        planned = experiment.per_variant * variants if experiment.per_variant and variants else None
        end = progress.planned_end(experiment.started_at, experiment.duration_days)
        result = latest.get(experiment.id)
        tests.append(
            RunningTest(
                experiment_id=experiment.id,
                hypothesis_id=hypothesis.id,
                slot=experiment.slot,
                title=hypothesis.title,
                metric=experiment.metric_name,
                metric_kind=experiment.metric_kind,
                started_at=experiment.started_at,
                planned=planned,
                observed=sample_total(result.data) if result else None,
                days_left=progress.days_left(experiment, today),
                end_date=end,
                results_at=result.created_at if result else None,
                variants=variants,
            )
        )
    return tests


def stale_hypotheses(
    session: Session, *, team: Team, today: date | None = None
) -> tuple[list[Hypothesis], int]:
    """Return ideas and backlog items untouched for 30 days (a few, oldest first), and a count."""
    today = today or utcnow().date()
    cutoff = datetime.combine(today, utcnow().timetz()) - timedelta(days=STALE_DAYS)
    query = select(Hypothesis).where(
        Hypothesis.team_id == team.id,
        col(Hypothesis.status).in_((Status.IDEA.value, Status.BACKLOG.value)),
        col(Hypothesis.updated_at) < cutoff,
    )
    count = session.exec(select(func.count()).select_from(query.subquery())).one()
    oldest = session.exec(
        query.order_by(col(Hypothesis.updated_at), col(Hypothesis.id)).limit(STALE_SHOWN)
    ).all()
    return list(oldest), count


def subject_mix(session: Session, *, team: Team) -> tuple[list[SubjectShare], str | None]:
    """Return the backlog's subjects by share, and a warning when one dominates (> 60%)."""
    counts = Counter(
        dict(
            session.exec(
                select(Hypothesis.subject, func.count(col(Hypothesis.id)))
                .where(
                    Hypothesis.team_id == team.id,
                    col(Hypothesis.status).in_(backlog_queries.IN_BACKLOG),
                )
                .group_by(Hypothesis.subject)
            ).all()
        )
    )
    total = sum(counts.values())
    shares = [
        SubjectShare(subject=s, count=n, percent=round(100 * n / total))
        for s, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]
    warning = None
    if total >= SUBJECT_MIX_MIN and shares and shares[0].count / total > SUBJECT_SHARE_LIMIT:
        warning = _(
            "%(percent)d%% of the backlog (%(count)d of %(total)d) is about one subject: "
            "%(subject)s. Test segments, offers, messages and lead handling too, not only "
            "one kind of change.",
            percent=shares[0].percent,
            count=shares[0].count,
            total=total,
            subject=str(Subject.label_of(shares[0].subject)),
        )
    return shares, warning


def awaiting_decision(session: Session, *, team: Team) -> list[tuple[Experiment, Hypothesis]]:
    """Return finished tests that still need a lead's decision, the longest waiting first."""
    return [
        (e, h)
        for e, h in session.exec(
            select(Experiment, Hypothesis)
            .join(Hypothesis, col(Hypothesis.id) == col(Experiment.hypothesis_id))
            .where(
                Experiment.team_id == team.id,
                Experiment.status == ExperimentStatus.FINISHED,
                col(Experiment.decision).is_(None),
            )
            .order_by(col(Experiment.ended_at), col(Experiment.id))
        ).all()
    ]


def dashboard(session: Session, *, team: Team, today: date | None = None) -> Dashboard:
    """Gather the home page: running tests, slots, backlog health, queues, this week's review,
    and the latest learnings."""
    today = today or utcnow().date()
    stale, stale_count = stale_hypotheses(session, team=team, today=today)
    mix, warning = subject_mix(session, team=team)
    waiting = backlog_queries.list_hypotheses(
        session, team=team, status=Status.BACKLOG.value, sort="score", per_page=WAITING_SHOWN
    )
    week = iso_week(today)
    review = session.exec(
        select(Review).where(Review.team_id == team.id, Review.iso_week == week)
    ).first()
    running = running_tests(session, team=team, today=today)
    waiting_decision = awaiting_decision(session, team=team)
    latest = learnings.search_learnings(session, team=team, per_page=LEARNINGS_SHOWN).items
    shown = [t.experiment_id for t in running] + [e.id for e, _h in waiting_decision]
    shown += [row.experiment.id for row in latest]
    return Dashboard(
        running=running,
        limit=team.active_test_limit,
        health=backlog_queries.health(session, team=team),
        stale=stale,
        stale_count=stale_count,
        subject_mix=mix,
        subject_warning=warning,
        waiting=waiting.items,
        waiting_total=waiting.total,
        awaiting_decision=waiting_decision,
        iso_week=week,
        review=review,
        today=today,
        learnings=latest,
        trust=trust.latest_trust(session, shown),
    )
