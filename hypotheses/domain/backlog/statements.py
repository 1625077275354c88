"""The backlog list's SQL: the score expressions, the filters and the orders.

The busiest statements are built once per formula and shape of filters and take the team and
the filters' values as bound parameters (``filter_params`` and ``page_statements``); building
a statement costs more than running it from SQLAlchemy's compiled cache.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, NamedTuple

from flask_babel import gettext as _
from sqlalchemy import Integer, String, bindparam, case, literal_column, or_
from sqlmodel import col, func, select

from hypotheses.domain.backlog import scoring
from hypotheses.domain.core.errors import ValidationFailed
from hypotheses.enums import Lever, Stage, Status, Subject
from hypotheses.models import Hypothesis, Team, User

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
# The team of a statement built once: a bound parameter.
TEAM = bindparam("team_id", type_=Integer)
# The columns of a page read as plain rows, in the order of ``queries.Line``'s fields (the
# owner's name, the score and RICE follow them).
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


# ---------------------------------------------------------------- scoring in SQL


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


# ---------------------------------------------------------------- filters


class Filters(NamedTuple):
    """A list's checked filters."""

    status_mode: str  # "active" (no status given) | "all" | "one"
    status: str | None
    values: dict[str, Any]  # the column filters given: stage, lever, subject, owner_id
    text: str  # the search, lower case, at most 200 characters ("" for none)
    sort: str


def read_filters(
    status: str | None = None,
    stage: str | None = None,
    lever: str | None = None,
    subject: str | None = None,
    owner_id: int | None = None,
    q: str | None = None,
    sort: str = "score",
) -> Filters:
    """Check a list's filters (ValidationFailed per invalid field) and return them.

    *status* None means the active list (idea, backlog, approved, running); "all" means all.
    """
    errors: dict[str, list[str]] = {}
    for name, value, allowed in (
        ("status", status, [*Status, "all"]),
        ("stage", stage, Stage),
        ("lever", lever, Lever),
        ("subject", subject, Subject),
        ("sort", sort, SORTS),
    ):
        if value not in (None, "") and value not in {str(v) for v in allowed}:
            errors.setdefault(name, []).append(_("Not a valid choice."))
    if errors:
        raise ValidationFailed(errors, _("Some filters are invalid."))
    values = {"stage": stage, "lever": lever, "subject": subject, "owner_id": owner_id}
    return Filters(
        status_mode="active" if not status else ("all" if status == "all" else "one"),
        status=status,
        values={k: v for k, v in values.items() if v not in (None, "")},
        text=(q or "").strip().lower()[:200],
        sort=sort or "score",
    )


def filter_params(*, team: Team, **filters: Any) -> tuple[tuple, dict[str, Any]]:
    """Check the filters; return (the statement's shape, its parameters)."""
    checked = read_filters(**filters)
    params: dict[str, Any] = {"team_id": team.id}
    if checked.status_mode == "one":
        params["status"] = checked.status
    params.update(checked.values)
    if checked.text:  # as contains(autoescape=True): "/" escapes the wildcards
        escaped = checked.text.replace("/", "//").replace("%", "/%").replace("_", "/_")
        params["pattern"] = f"%{escaped}%"
    shape = (checked.status_mode, tuple(checked.values), bool(checked.text), checked.sort)
    return shape, params


# ---------------------------------------------------------------- statements


@lru_cache(maxsize=256)
def page_statements(
    formula: str, status_mode: str, names: tuple, search: bool, sort: str, plain: bool = False
):
    """Return (count, page) statements of one shape of the list (values are parameters);
    *plain*: the page's rows as ``LINE_COLUMNS`` instead of Hypothesis objects."""
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


def scored_query(*, team: Team, **filters: Any):
    """Return (select, order) listing the team's scored hypotheses with their owner's name.

    *filters* are those of ``read_filters``; invalid ones raise ValidationFailed per field.
    """
    checked = read_filters(**filters)
    return _scored_select(
        team.score_formula,
        status_mode=checked.status_mode,
        names=tuple(checked.values),
        search=bool(checked.text),
        sort=checked.sort,
        team_id=team.id,
        status=checked.status,
        text=checked.text,
        **checked.values,
    )


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
