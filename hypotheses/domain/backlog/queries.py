"""Reading the backlog: the list with filters and pages (its SQL in ``statements``), bounds
and health.

Read-only functions: they never commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlmodel import Session, col, func, select

from hypotheses.domain.backlog.statements import (
    ACTIVE,
    TEAM,
    filter_params,
    page_statements,
    scored_query,
)
from hypotheses.domain.core.errors import NotFound, ValidationFailed
from hypotheses.domain.core.pagination import Page, bounds
from hypotheses.enums import Status
from hypotheses.models import Hypothesis, Membership, Team, User

IN_BACKLOG = (Status.BACKLOG.value, Status.APPROVED.value)


# ---------------------------------------------------------------- bounds and health


@lru_cache(maxsize=1)
def _counts_statement():
    # Only the active statuses: a team's history (archived, rejected, decided) is most of its
    # rows, and reading it from the (team_id, status) index cost more than the page's list.
    return (
        select(Hypothesis.status, func.count())
        .where(Hypothesis.team_id == TEAM, col(Hypothesis.status).in_(ACTIVE))
        .group_by(Hypothesis.status)
    )


def counts_by_status(session: Session, *, team: Team) -> dict[str, int]:
    """Return {status: number of the team's hypotheses} for the ACTIVE statuses (the others
    are left out)."""
    return dict(_rows(session, _counts_statement(), {"team_id": team.id}))


def _rows(session: Session, statement, params: dict[str, Any]) -> list:
    """Run a statement of plain columns on the session's connection (its transaction),
    skipping the ORM's result handling (no objects to build): about 0.1 ms less per read."""
    return session.connection().execute(statement, params).all()


def backlog_size(session: Session, *, team: Team) -> int:
    """Count the hypotheses the bounds apply to: status backlog or approved."""
    return session.exec(
        select(func.count(col(Hypothesis.id))).where(
            Hypothesis.team_id == team.id, col(Hypothesis.status).in_(IN_BACKLOG)
        )
    ).one()


@dataclass
class BacklogHealth:
    """The backlog's size against the team's bounds, with a sentence saying what to do."""

    size: int
    min: int
    max: int
    state: str  # "below" | "ok" | "full"
    ideas: int
    by_status: dict[str, int]
    message: str
    # Other areas (experiments: stale ideas, subject mix) add their findings here.
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def percent(self) -> int:
        """Return the size as a share of the maximum, 0–100 (for the progress bar)."""
        return min(100, round(100 * self.size / self.max)) if self.max else 100

    @property
    def min_percent(self) -> int:
        """Return where the minimum sits on the bar, 0–100."""
        return min(100, round(100 * self.min / self.max)) if self.max else 0


def health(session: Session, *, team: Team) -> BacklogHealth:
    """Measure the backlog against the team's bounds (read only)."""
    by_status = counts_by_status(session, team=team)
    size = sum(by_status.get(s, 0) for s in IN_BACKLOG)
    ideas = by_status.get(Status.IDEA.value, 0)
    low, high = team.backlog_min, team.backlog_max
    if size >= high:
        state = "full"
        message = _(
            "The backlog is full (%(size)d of %(max)d). New hypotheses wait as ideas until "
            "one leaves: approve and start, reject or archive some.",
            size=size,
            max=high,
        )
    elif size < low:
        state = "below"
        message = (
            _(
                "The backlog is empty; the team's minimum is %(min)d. Add ideas: without a "
                "backlog the system stops improving within weeks.",
                min=low,
            )
            if size == 0
            else _(
                "Only %(size)d in the backlog; the team's minimum is %(min)d. Add ideas: without "
                "a backlog the system stops improving within weeks.",
                size=size,
                min=low,
            )
        )
        if ideas:
            message += " " + ngettext(
                "%(num)d idea waits in the inbox; promote it if it is good.",
                "%(num)d ideas wait in the inbox; promote the good ones.",
                ideas,
            )
    else:
        state = "ok"
        message = _(
            "%(size)d in the backlog, within the team's bounds of %(min)d–%(max)d. Healthy.",
            size=size,
            min=low,
            max=high,
        )
    return BacklogHealth(
        size=size, min=low, max=high, state=state, ideas=ideas, by_status=by_status, message=message
    )


def full_message(team: Team, size: int) -> str:
    """Explain why a hypothesis stays an idea, and what to do about it."""
    return _(
        "The backlog is full (%(size)d of %(max)d), so this hypothesis stays an idea. It can "
        "enter when one leaves the backlog: approve and start a test, reject or archive some, "
        "then promote it.",
        size=size,
        max=team.backlog_max,
    )


def lock_team(session: Session, team: Team) -> None:
    # PostgreSQL: serialise bound checks per team (SQLite already serialises at BEGIN IMMEDIATE).
    session.exec(select(Team.id).where(Team.id == team.id).with_for_update()).first()


def has_room(session: Session, team: Team) -> bool:
    lock_team(session, team)
    return backlog_size(session, team=team) < team.backlog_max


# ---------------------------------------------------------------- reading


def get_hypothesis(session: Session, *, team: Team, hypothesis_id: int) -> Hypothesis:
    """Return the team's hypothesis; NotFound for a missing id or another team's."""
    hypothesis = session.exec(
        select(Hypothesis).where(Hypothesis.id == hypothesis_id, Hypothesis.team_id == team.id)
    ).first()
    if hypothesis is None:
        raise NotFound(_("There is no such hypothesis in this team."))
    return hypothesis


@lru_cache(maxsize=1)
def _members_statement():
    return (
        select(User)
        .join(Membership, col(Membership.user_id) == col(User.id))
        .where(Membership.team_id == TEAM, col(User.is_active).is_(True))
        .order_by(User.name, User.id)
    )


def team_members(session: Session, *, team: Team) -> list[User]:
    """Return the team's active members by name (possible owners)."""
    return list(session.exec(_members_statement(), params={"team_id": team.id}).all())


@lru_cache(maxsize=1)
def _member_names_statement():
    return _members_statement().with_only_columns(col(User.id), col(User.name))


def member_names(session: Session, *, team: Team) -> list:
    """Return (id, name) rows of the team's active members by name (a filter's choices)."""
    return _rows(session, _member_names_statement(), {"team_id": team.id})


def check_owner(session: Session, team: Team, owner_id: int | None) -> None:
    if owner_id is None:
        return
    member = session.exec(
        select(Membership.id)
        .join(User, col(User.id) == col(Membership.user_id))
        .where(
            Membership.team_id == team.id,
            Membership.user_id == owner_id,
            col(User.is_active).is_(True),
        )
    ).first()
    if member is None:
        raise ValidationFailed(
            {"owner_id": [_("Choose an owner from this team.")]},
            _("Choose an owner from this team."),
        )


@dataclass
class Scored:
    """One row of the backlog list: the hypothesis, its scores and its owner's name."""

    hypothesis: Hypothesis
    score: float
    rice: float | None
    owner_name: str | None


def list_hypotheses(
    session: Session, *, team: Team, page: int = 1, per_page: int = 25, **filters: Any
) -> Page[Scored]:
    """List the team's hypotheses, scored in SQL, best first (ties: older first), one page.

    *filters* are those of ``statements.read_filters``; two statements whatever the team's size: the
    count, then the page, chosen by sorting the ids alone (as ``pagination.paginate`` does)
    so only its rows are read whole. Both statements are built once per formula and shape
    of filters; the values are parameters.
    """
    shape, params = filter_params(team=team, **filters)
    count, cut = page_statements(team.score_formula, *shape)
    total = session.exec(count, params=params).one()
    page, per_page, pages = bounds(page, per_page, total)
    params.update(offset=(page - 1) * per_page, limit=per_page)
    rows = session.exec(cut, params=params).all()
    return Page([_scored(row) for row in rows], page, pages, total, per_page)


@dataclass(frozen=True)
class Line:
    """One row of the backlog page, read as plain columns (no ORM object to build): the
    ``statements.LINE_COLUMNS``, then the owner's name, the score and RICE."""

    id: int
    title: str
    stage: str
    lever: str
    subject: str
    status: str
    impact: int
    confidence: int
    ease: int
    version: int
    created_at: Any
    parent_id: int | None
    owner_name: str | None
    score: float
    rice: float | None


def list_lines(
    session: Session,
    *,
    team: Team,
    page: int = 1,
    per_page: int = 25,
    counts: dict[str, int] | None = None,
    **filters: Any,
) -> Page[Line]:
    """List one page as ``list_hypotheses`` does, as plain rows (the busiest page's read).

    With the team's *counts* of the active statuses (``counts_by_status``) at hand, the
    active list or one active status, unfiltered otherwise, takes its size from them: one
    statement instead of two.
    """
    shape, params = filter_params(team=team, **filters)
    status_mode, names, search, _sort = shape
    count, cut = page_statements(team.score_formula, *shape, plain=True)
    wanted = ACTIVE if status_mode == "active" else (params.get("status"),)
    if (
        counts is not None
        and not names
        and not search
        and status_mode != "all"
        and set(wanted) <= set(ACTIVE)
    ):
        total = sum(counts.get(status, 0) for status in wanted)
    else:
        total = _rows(session, count, params)[0][0]
    page, per_page, pages = bounds(page, per_page, total)
    params.update(offset=(page - 1) * per_page, limit=per_page)
    rows = _rows(session, cut, params) if total else []
    return Page([Line(*row) for row in rows], page, pages, total, per_page)


def all_scored(session: Session, *, team: Team) -> list[Scored]:
    """Return every hypothesis of the team (all statuses), best score first, in one statement."""
    query, order = scored_query(team=team, status="all")
    return [_scored(row) for row in session.exec(query.order_by(*order)).all()]


def _scored(row) -> Scored:
    hypothesis, score, rice, owner_name = row
    return Scored(hypothesis, float(score), None if rice is None else float(rice), owner_name)
