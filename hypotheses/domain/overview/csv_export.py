"""CSV exports of the backlog, tests, results, analyses and reviews, safe against formula injection.

Every cell goes through ``csv_cells`` (formulas neutralised, numbers with the dialect's decimal
mark, ISO dates). Headers, enum values and yes/no are in the exporting user's language:
English keeps the stored names and values (``title``, ``lead``) that scripts read, Russian gets
the labels the importer also accepts (``Название``, ``Лид``), so an export imports back
(``csv_columns``). Each row is built from its export's one column list. Everything here only
reads, through the same domain read functions the pages use; the tests' rows are in ``csv_tests``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import Session, col, select

from hypotheses.domain.backlog import queries as backlog_queries
from hypotheses.domain.core.csvdialects import STANDARD, Dialect
from hypotheses.domain.overview.csv_cells import write_csv
from hypotheses.domain.overview.csv_columns import COLUMN_NAMES, ITEM_NAMES, in_english
from hypotheses.domain.overview.csv_tests import (
    ANALYSIS_HEADERS,
    EXPERIMENT_HEADERS,
    RESULT_HEADERS,
    analysis_rows,
    experiment_rows,
    result_rows,
)
from hypotheses.domain.reviews import decisions as review_decisions
from hypotheses.domain.reviews import kpis
from hypotheses.domain.reviews import queries as review_queries
from hypotheses.enums import (
    Decision,
    ExperimentStatus,
    ItemStatus,
    Lever,
    MetricKind,
    Outcome,
    ReviewStatus,
    Stage,
    Status,
    Subject,
    Vocabulary,
)
from hypotheses.models import Review, Team, User


def _emails(session: Session, ids: set[int | None]) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(session.exec(select(User.id, User.email).where(col(User.id).in_(ids))).all())


# ---------------------------------------------------------------- backlog

BACKLOG_HEADERS = (
    "id title status score rice impact confidence ease reach effort stage lever subject "
    "channel owner_email tags links change audience expected_effect rationale reject_reason "
    "parent_id version created_at updated_at"
).split()


def backlog_rows(session: Session, *, team: Team) -> list[list[Any]]:
    """Every hypothesis of the team (all statuses), best score first; headers match the import.
    A column is the hypothesis's field of that name unless computed here."""
    scored = backlog_queries.all_scored(session, team=team)
    owners = _emails(session, {row.hypothesis.owner_id for row in scored})
    out = []
    for row in scored:
        h = row.hypothesis
        cells = {
            "score": round(row.score, 4),
            "rice": None if row.rice is None else round(row.rice, 4),
            "owner_email": owners.get(h.owner_id),
            "links": " ".join(h.link_list),
        }
        out.append([cells[name] if name in cells else getattr(h, name) for name in BACKLOG_HEADERS])
    return out


# ---------------------------------------------------------------- reviews

REVIEW_HEADERS = (
    "iso_week status published_at item metric value previous change decision owner due "
    "decision_status hypothesis_id attendees notes"
).split()


def _review_row(review: Review, item: str, **cells: Any) -> list[Any]:
    """One row of the reviews export: *review*'s week, status and publication, the kind of row
    (*item*), and *cells* by column name; the other columns are empty."""
    cells |= {
        "iso_week": review.iso_week,
        "status": review.status,
        "published_at": review.published_at,
        "item": item,
    }
    return [cells.get(name) for name in REVIEW_HEADERS]


def review_rows(session: Session, *, team: Team, include_drafts: bool = True) -> list[list[Any]]:
    """One row per KPI value and per decision of every review, plus one summary row each."""
    out = []
    reviews = [
        summary.review
        for summary in reversed(
            review_queries.list_reviews(session, team=team, include_drafts=include_drafts)
        )
    ]
    tables = kpis.kpi_tables(session, team=team, reviews=reviews)
    lines = review_decisions.decision_lines_of(session, reviews=reviews)
    for review in reviews:
        out.append(_review_row(review, "review", attendees=review.attendees, notes=review.notes))
        for row in tables[review.id].rows:
            if row.value is not None:
                out.append(
                    _review_row(
                        review,
                        "kpi",
                        metric=row.metric.name,
                        value=row.value,
                        previous=row.previous,
                        change=row.delta,
                    )
                )
        for line in lines[review.id]:
            d = line.decision
            out.append(
                _review_row(
                    review,
                    "decision",
                    decision=d.text,
                    owner=line.owner,
                    due=d.due,
                    decision_status=d.status,
                    hypothesis_id=d.hypothesis_id,
                )
            )
    return out


# ---------------------------------------------------------------- every export

EXPORTS: dict[str, tuple[list[str], Callable[..., list[list[Any]]]]] = {
    "backlog": (BACKLOG_HEADERS, backlog_rows),
    "experiments": (EXPERIMENT_HEADERS, experiment_rows),
    "results": (RESULT_HEADERS, result_rows),
    "analyses": (ANALYSIS_HEADERS, analysis_rows),
    "reviews": (REVIEW_HEADERS, review_rows),
}
# The columns holding one of our enums' values, per export (written as labels but in English).
WORDS: dict[str, dict[str, type[Vocabulary]]] = {
    "backlog": {"status": Status, "stage": Stage, "lever": Lever, "subject": Subject},
    "experiments": {
        "status": ExperimentStatus,
        "metric_kind": MetricKind,
        "decision": Decision,
        "outcome": Outcome,
    },
    "reviews": {"status": ReviewStatus, "decision_status": ItemStatus},
}


def headers_of(kind: str) -> list[str]:
    """The header row of one export in the current language."""
    return [str(COLUMN_NAMES[name]) for name in EXPORTS[kind][0]]


def _worded(kind: str, headers: list[str], rows: list[list[Any]]) -> list[list[Any]]:
    """Enum values and review item kinds as labels in the current language (not English)."""
    columns = {headers.index(name): enum for name, enum in WORDS.get(kind, {}).items()}
    if kind == "reviews":
        item = headers.index("item")
    for row in rows:
        for index, enum in columns.items():
            if row[index] is not None:
                row[index] = str(enum.label_of(row[index]))
        if kind == "reviews" and row[item] in ITEM_NAMES:
            row[item] = str(ITEM_NAMES[row[item]])
    return rows


def export(
    session: Session, *, team: Team, kind: str, dialect: Dialect = STANDARD, **options: Any
) -> str:
    """Return the CSV text of one export (*kind* is a key of EXPORTS) in *dialect*, without a
    BOM (the caller adds one when ``dialect.bom``)."""
    headers, rows = EXPORTS[kind]
    data = rows(session, team=team, **options)
    if not in_english():
        data = _worded(kind, headers, data)
    return write_csv(headers_of(kind), data, dialect)
