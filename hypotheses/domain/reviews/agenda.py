"""The review's agenda, built from the data: tests finished or decided since the last review,
running tests with progress and days left, backlog health, and decisions still open.

Read-only: nothing here writes or commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, col, func, or_, select

from hypotheses.domain.backlog import queries as backlog_queries
from hypotheses.domain.backlog.statements import score_column
from hypotheses.domain.core.weeks import monday_of
from hypotheses.domain.experiments import progress, trust
from hypotheses.domain.experiments.common import sample_total
from hypotheses.domain.reviews.decisions import DecisionLine, earlier_open
from hypotheses.domain.reviews.queries import previous_review
from hypotheses.enums import ExperimentStatus, Status
from hypotheses.models import (
    Experiment,
    Hypothesis,
    ResultSet,
    Review,
    Team,
    Variant,
    utcnow,
)

ENDED = (ExperimentStatus.FINISHED, ExperimentStatus.STOPPED, ExperimentStatus.DECIDED)
TOP_WAITING = 5


@dataclass
class TestLine:
    """A test that ended or was decided in the period, with its latest verdict."""

    experiment: Experiment
    hypothesis: Hypothesis
    verdict: str | None
    when: datetime | None


@dataclass
class RunningLine:
    """A running test: how far it got against its planned sample, and days left."""

    experiment: Experiment
    hypothesis: Hypothesis
    collected: int
    planned: int | None
    days_left: int | None
    verdict: str | None

    @property
    def percent(self) -> int | None:
        value = progress.percent(self.collected, self.planned)
        return None if value is None else min(100, value)


@dataclass
class Agenda:
    since: datetime
    ended: list[TestLine] = field(default_factory=list)
    running: list[RunningLine] = field(default_factory=list)
    health: backlog_queries.BacklogHealth | None = None
    waiting: list[tuple[Hypothesis, float]] = field(default_factory=list)
    open_decisions: list[DecisionLine] = field(default_factory=list)


def period_start(session: Session, *, team: Team, review: Review) -> datetime:
    """Return when the period this review covers starts: the previous review's publication
    (or opening), else the Monday of the week before."""
    previous = previous_review(session, team=team, review=review)
    if previous is not None:
        return previous.published_at or previous.created_at
    monday = monday_of(review.iso_week) - timedelta(days=7)
    return datetime.combine(monday, time.min, tzinfo=UTC)


def tests_between(
    session: Session, *, team: Team, since: datetime, until: datetime | None
) -> list[TestLine]:
    """Return tests that ended or were decided in [since, until), newest first."""
    ended_in = col(Experiment.ended_at) >= since
    decided_in = col(Experiment.decided_at) >= since
    if until is not None:
        ended_in = ended_in & (col(Experiment.ended_at) < until)
        decided_in = decided_in & (col(Experiment.decided_at) < until)
    rows = session.exec(
        select(Experiment, Hypothesis)
        .join(Hypothesis, col(Hypothesis.id) == col(Experiment.hypothesis_id))
        .where(
            Experiment.team_id == team.id,
            col(Experiment.status).in_(ENDED),
            or_(ended_in, decided_in),
        )
    ).all()
    verdicts = trust.latest_verdicts(session, [e.id for e, _h in rows])
    lines = [
        TestLine(
            experiment=e, hypothesis=h, verdict=verdicts.get(e.id), when=e.decided_at or e.ended_at
        )
        for e, h in rows
    ]
    return sorted(lines, key=lambda t: t.when or since, reverse=True)


def running_tests(session: Session, *, team: Team, today: date) -> list[RunningLine]:
    """Return the running tests with sample collected vs planned and days left."""
    rows = session.exec(
        select(Experiment, Hypothesis)
        .join(Hypothesis, col(Hypothesis.id) == col(Experiment.hypothesis_id))
        .where(Experiment.team_id == team.id, Experiment.status == ExperimentStatus.RUNNING)
        .order_by(col(Experiment.started_at))
    ).all()
    ids = [e.id for e, _h in rows]
    variants = dict(
        session.exec(
            select(Variant.experiment_id, func.count(col(Variant.id)))
            .where(col(Variant.experiment_id).in_(ids))
            .group_by(Variant.experiment_id)
        ).all()
    )
    latest = {}
    for result in session.exec(
        select(ResultSet).where(col(ResultSet.experiment_id).in_(ids)).order_by(col(ResultSet.id))
    ).all():
        latest[result.experiment_id] = result
    verdicts = trust.latest_verdicts(session, ids)
    lines = []
    for experiment, hypothesis in rows:
        planned = (
            experiment.per_variant * variants.get(experiment.id, 2)
            if experiment.per_variant
            else None
        )
        result = latest.get(experiment.id)
        lines.append(
            RunningLine(
                experiment=experiment,
                hypothesis=hypothesis,
                collected=(sample_total(result.data) or 0) if result else 0,
                planned=planned,
                days_left=progress.days_left(experiment, today),
                verdict=verdicts.get(experiment.id),
            )
        )
    return lines


def waiting_for_approval(
    session: Session, *, team: Team, limit: int = TOP_WAITING
) -> list[tuple[Hypothesis, float]]:
    """Return the top hypotheses in the backlog (waiting for approval) by score, ties by age."""
    rows = session.exec(
        select(Hypothesis)
        .where(Hypothesis.team_id == team.id, Hypothesis.status == Status.BACKLOG)
        .order_by(
            score_column(team.score_formula).desc(),
            col(Hypothesis.created_at),
            col(Hypothesis.id),
        )
        .limit(limit)
    ).all()
    return [(h, h.score(team.score_formula)) for h in rows]


def agenda(session: Session, *, team: Team, review: Review, today: date | None = None) -> Agenda:
    """Build the agenda of *review* from the team's current data."""
    today = today or utcnow().date()
    since = period_start(session, team=team, review=review)
    return Agenda(
        since=since,
        ended=tests_between(session, team=team, since=since, until=review.published_at),
        running=running_tests(session, team=team, today=today),
        health=backlog_queries.health(session, team=team),
        waiting=waiting_for_approval(session, team=team),
        open_decisions=earlier_open(session, team=team, review=review),
    )
