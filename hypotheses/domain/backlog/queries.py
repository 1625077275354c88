"""Reading the backlog: scores in SQL, the list with filters and pages, bounds and health.

Read-only functions: they never commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Integer, String, bindparam, case, literal_column, or_
from sqlmodel import Session, col, func, select

from hypotheses.domain.backlog import scoring
from hypotheses.domain.core.errors import NotFound, ValidationFailed
from hypotheses.domain.core.pagination import Page, bounds
from hypotheses.enums import Lever, Stage, Status, Subject
from hypotheses.models import Hypothesis, Membership, Team, User

IN_BACKLOG = (Status.BACKLOG.value, Status.APPROVED.value)
ACTIVE = (Status.IDEA.value, Status.BACKLOG.value, Status.APPROVED.value, Status.RUNNING.value)
# A list's orders: the filter bar's and the sortable column headers' (each column both ways).
SORTS = (
    "score",
    "score-asc",
    "rice",
    "rice-asc",
    "newest",
    "oldest",
    "title",
    "title-desc",
    "status",
    "status-desc",
    "owner",
    "owner-desc",
)
# The lifecycle's order (DESIGN.md §3), for sorting by status.
STATUS_ORDER = {status.value: n for n, status in enumerate(Status)}


# ---------------------------------------------------------------- scoring (pure + SQL)


def score_column(formula: str):
    """Return the SQL expression computing the ICE score under *formula* (see ``scoring``)."""
    return scoring.ice_sql(
        col(Hypothesis.impact), col(Hypothesis.confidence), col(Hypothesis.ease), formula
    )


def rice_column():
    """Return the SQL expression computing RICE (NULL while reach or effort is unset)."""
    return scoring.rice_sql(
        col(Hypothesis.reach),
        col(Hypothesis.impact),
        col(Hypothesis.confidence),
        col(Hypothesis.effort),
    )


# ---------------------------------------------------------------- bounds and health


# Statements of the busiest reads are built once and take the team as a parameter: building
# a statement costs more than running it from SQLAlchemy's compiled cache.
TEAM = bindparam("team_id", type_=Integer)


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
        message = _(
            "Only %(size)d in the backlog; the team's minimum is %(min)d. Add ideas: without "
            "a backlog the system stops improving within weeks.",
            size=size,
            min=low,
        )
        if ideas:
            message += " " + _("%(n)d ideas wait in the inbox; promote the good ones.", n=ideas)
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


def _check_filter(errors: dict[str, list[str]], name: str, value: str | None, allowed) -> None:
    if value not in (None, "") and value not in {str(v) for v in allowed}:
        errors.setdefault(name, []).append(_("Not a valid choice."))


def list_hypotheses(
    session: Session, *, team: Team, page: int = 1, per_page: int = 25, **filters: Any
) -> Page[Scored]:
    """List the team's hypotheses, scored in SQL, best first (ties: older first), one page.

    *filters* are those of ``scored_query``; two statements whatever the team's size: the
    count, then the page, chosen by sorting the ids alone (as ``pagination.paginate`` does)
    so only its rows are read whole. Both statements are built once per formula and shape
    of filters; the values are parameters.
    """
    shape, params = _filter_params(team=team, **filters)
    count, cut = _page_statements(team.score_formula, *shape)
    total = session.exec(count, params=params).one()
    page, per_page, pages = bounds(page, per_page, total)
    params.update(offset=(page - 1) * per_page, limit=per_page)
    rows = session.exec(cut, params=params).all()
    return Page([_scored(row) for row in rows], page, pages, total, per_page)


@dataclass(frozen=True)
class Line:
    """One row of the backlog page, read as plain columns (no ORM object to build)."""

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


LINE_COLUMNS = (
    "id",
    "title",
    "stage",
    "lever",
    "subject",
    "status",
    "impact",
    "confidence",
    "ease",
    "version",
    "created_at",
    "parent_id",
)


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
    shape, params = _filter_params(team=team, **filters)
    status_mode, names, search, _sort = shape
    count, cut = _page_statements(team.score_formula, *shape, plain=True)
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


def _filter_params(
    *,
    team: Team,
    status: str | None = None,
    stage: str | None = None,
    lever: str | None = None,
    subject: str | None = None,
    owner_id: int | None = None,
    q: str | None = None,
    sort: str = "score",
) -> tuple[tuple, dict[str, Any]]:
    """Check the filters; return (the statement's shape, its parameters)."""
    _validate_filters(status, stage, lever, subject, sort)
    params: dict[str, Any] = {"team_id": team.id}
    status_mode = "active" if not status else ("all" if status == "all" else "one")
    if status_mode == "one":
        params["status"] = status
    for name, value in (
        ("stage", stage),
        ("lever", lever),
        ("subject", subject),
        ("owner_id", owner_id),
    ):
        if value not in (None, ""):
            params[name] = value
    names = tuple(n for n in ("stage", "lever", "subject", "owner_id") if n in params)
    text = (q or "").strip().lower()[:200]
    if text:  # as contains(autoescape=True): "/" escapes the wildcards
        escaped = text.replace("/", "//").replace("%", "/%").replace("_", "/_")
        params["pattern"] = f"%{escaped}%"
    return (status_mode, names, bool(text), sort or "score"), params


@lru_cache(maxsize=256)
def _page_statements(
    formula: str, status_mode: str, names: tuple, search: bool, sort: str, plain: bool = False
):
    """Return (count, page) statements of one shape of the list (values are parameters);
    *plain*: the page's rows as ``Line`` columns instead of Hypothesis objects."""
    query, order = _scored_select(
        formula,
        status_mode=status_mode,
        names=names,
        search=search,
        sort=sort,
        team_id=TEAM,
    )
    key = col(Hypothesis.id)
    counted = query.with_only_columns(literal_column("1"), maintain_column_froms=True)
    count = select(func.count()).select_from(counted.order_by(None).subquery())
    keys = query.with_only_columns(key, maintain_column_froms=True).order_by(*order)
    keys = keys.offset(bindparam("offset", type_=Integer)).limit(bindparam("limit", type_=Integer))
    if plain:
        score, rice = score_column(formula), rice_column()
        query = query.with_only_columns(
            *(col(getattr(Hypothesis, name)) for name in LINE_COLUMNS),
            col(User.name),
            score.label("score"),
            rice.label("rice"),
            maintain_column_froms=True,
        )
    return count, query.where(key.in_(keys.scalar_subquery())).order_by(*order)


def all_scored(session: Session, *, team: Team) -> list[Scored]:
    """Return every hypothesis of the team (all statuses), best score first, in one statement."""
    query, order = scored_query(team=team, status="all")
    return [_scored(row) for row in session.exec(query.order_by(*order)).all()]


def _scored(row) -> Scored:
    hypothesis, score, rice, owner_name = row
    return Scored(hypothesis, float(score), None if rice is None else float(rice), owner_name)


def scored_query(
    *,
    team: Team,
    status: str | None = None,
    stage: str | None = None,
    lever: str | None = None,
    subject: str | None = None,
    owner_id: int | None = None,
    q: str | None = None,
    sort: str = "score",
):
    """Return (select, order) listing the team's scored hypotheses with their owner's name.

    *status* None means the active list (idea, backlog, approved, running); "all" means all.
    Invalid filters raise ValidationFailed per field.
    """
    _validate_filters(status, stage, lever, subject, sort)
    values = {"stage": stage, "lever": lever, "subject": subject, "owner_id": owner_id}
    values = {k: v for k, v in values.items() if v not in (None, "")}
    text = (q or "").strip().lower()[:200]
    query, order = _scored_select(
        team.score_formula,
        status_mode="active" if not status else ("all" if status == "all" else "one"),
        names=tuple(values),
        search=bool(text),
        sort=sort or "score",
        team_id=team.id,
        status=status,
        text=text,
        **values,
    )
    return query, order


def _validate_filters(status, stage, lever, subject, sort) -> None:
    errors: dict[str, list[str]] = {}
    _check_filter(errors, "status", status, [*Status, "all"])
    _check_filter(errors, "stage", stage, Stage)
    _check_filter(errors, "lever", lever, Lever)
    _check_filter(errors, "subject", subject, Subject)
    _check_filter(errors, "sort", sort, SORTS)
    if errors:
        raise ValidationFailed(errors, _("Some filters are invalid."))


def _scored_select(
    formula: str,
    *,
    status_mode: str,
    names: tuple,
    search: bool,
    sort: str,
    team_id: Any,
    status: Any = None,
    text: str = "",
    **values: Any,
):
    """Build (select, order). A value left out of *values*, *status* or *text* becomes the
    bound parameter of its name ("pattern" for the search: "%text%" escaped with "/")."""
    score, rice = score_column(formula), rice_column()
    query = (
        select(Hypothesis, score.label("score"), rice.label("rice"), User.name)
        .join(User, col(User.id) == col(Hypothesis.owner_id), isouter=True)
        .where(Hypothesis.team_id == team_id)
    )
    if status_mode == "active":
        query = query.where(col(Hypothesis.status).in_(ACTIVE))
    elif status_mode == "one":
        query = query.where(
            Hypothesis.status == (bindparam("status", type_=String) if status is None else status)
        )
    for name in names:
        value = values.get(name)
        query = query.where(
            getattr(Hypothesis, name) == (bindparam(name) if value is None else value)
        )
    if search:
        matches = (
            (lambda column: column.contains(text, autoescape=True))
            if text
            else (lambda column: column.like(bindparam("pattern", type_=String), escape="/"))
        )
        query = query.where(
            or_(
                *(
                    matches(func.lower(col(getattr(Hypothesis, name)), type_=String))
                    for name in ("title", "change", "audience", "rationale", "tags")
                )
            )
        )
    return query, _order(sort, score, rice)


def _order(sort: str, score, rice) -> tuple:
    """Return the ORDER BY of *sort*; ties go to the better score, then the older."""
    age = (col(Hypothesis.created_at).asc(), col(Hypothesis.id).asc())
    title = func.lower(col(Hypothesis.title))
    status = case(STATUS_ORDER, value=col(Hypothesis.status), else_=len(STATUS_ORDER))
    owner = func.lower(col(User.name))
    no_rice, no_owner = case((rice.is_(None), 1), else_=0), case((owner.is_(None), 1), else_=0)
    return {
        "score": (score.desc(), *age),
        "score-asc": (score.asc(), *age),
        "rice": (no_rice, rice.desc(), score.desc(), *age),
        "rice-asc": (no_rice, rice.asc(), score.desc(), *age),
        "newest": (col(Hypothesis.created_at).desc(), col(Hypothesis.id).desc()),
        "oldest": age,
        "title": (title, col(Hypothesis.id)),
        "title-desc": (title.desc(), col(Hypothesis.id).desc()),
        "status": (status, score.desc(), *age),
        "status-desc": (status.desc(), score.desc(), *age),
        "owner": (no_owner, owner, score.desc(), *age),
        "owner-desc": (no_owner, owner.desc(), score.desc(), *age),
    }[sort]
