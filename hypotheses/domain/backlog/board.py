"""The board: the pipeline as columns (idea → decided) and which use case a move is.

A move is never a use case of its own: dropping a card on a column names the same action a
button takes (promote, approve, start; archive from its menu), and that action's use
case decides, with its own permissions and refusals. Reading is read-only: a fixed number of
statements whatever the team's size (cards per column are capped).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case
from sqlmodel import Session, col, func, select

from hypotheses.domain.backlog import rules as backlog_rules
from hypotheses.domain.backlog.statements import score_column, scored_query
from hypotheses.domain.experiments.common import TestRow, running_tests
from hypotheses.enums import ExperimentStatus, Status
from hypotheses.models import Experiment, Hypothesis, Team, User

COLUMNS = (
    Status.IDEA.value,
    Status.BACKLOG.value,
    Status.APPROVED.value,
    Status.RUNNING.value,
    Status.FINISHED.value,
    Status.DECIDED.value,
)
PER_COLUMN = 30  # cards shown per column; the list shows the rest
ARCHIVE = Status.ARCHIVED.value  # not a column: a card's menu archives it

# (the card's status, the column it is dropped on) -> the action (the button's name). Finishing
# a test (final results; before the planned sample, a confirmation and a reason) and deciding
# (an outcome and a learning) need their forms: the card's menu links to them.
MOVES = {
    (Status.IDEA.value, Status.BACKLOG.value): "promote",
    (Status.IDEA.value, Status.APPROVED.value): "approve",
    (Status.BACKLOG.value, Status.APPROVED.value): "approve",
    (Status.APPROVED.value, Status.RUNNING.value): "start",
    **{(status, ARCHIVE): "archive" for status in backlog_rules.ARCHIVABLE},
}
# Moves that need a form on the test's page: (from, to) -> the page's words for it.
ON_THE_TEST_PAGE = {
    (Status.RUNNING.value, Status.FINISHED.value),
    (Status.FINISHED.value, Status.DECIDED.value),
    (Status.STOPPED.value, Status.DECIDED.value),
}


def action_of(status: str, to: str) -> str | None:
    """Return the action that moves a card in *status* to column *to* (None: no such move)."""
    return MOVES.get((status, to))


@dataclass(frozen=True)
class Card:
    """One hypothesis on the board, with its test's progress when it runs."""

    id: int
    title: str
    status: str
    stage: str
    subject: str
    score: float
    owner: str | None
    version: int
    created_by_id: int | None
    experiment_id: int | None = None
    experiment_status: str | None = None
    test: TestRow | None = None  # a running test: slot, progress, days left


@dataclass
class Column:
    """One column: its cards (best first; decided and finished: latest first) and its size."""

    status: str
    cards: list[Card] = field(default_factory=list)
    total: int = 0

    @property
    def hidden(self) -> int:
        """Return how many of the column's hypotheses are not shown (over the cap)."""
        return max(0, self.total - len(self.cards))


@dataclass
class Board:
    """The columns, and the running tests by slot (all of them, filters or not)."""

    columns: list[Column]
    running: list[TestRow]
    limit: int

    def slots(self) -> list[tuple[int, Card | None, bool]]:
        """Return (slot, its card when shown, taken) for slots 1..limit (and any above it)."""
        shown = {
            c.test.experiment.slot: c for c in self.column(Status.RUNNING.value).cards if c.test
        }
        taken = {r.experiment.slot for r in self.running}
        top = max([self.limit, *(s for s in taken if s)])
        return [(n, shown.get(n), n in taken) for n in range(1, top + 1)]

    def column(self, status: str) -> Column:
        return next(c for c in self.columns if c.status == status)


def read_board(
    session: Session, *, team: Team, per_column: int = PER_COLUMN, **filters: Any
) -> Board:
    """Return the team's board under *filters* (stage, lever, subject, owner_id, q, as the
    list's; status and sort do not apply), in four statements."""
    filters = {k: v for k, v in filters.items() if k not in ("status", "sort")}
    query, _order = scored_query(team=team, status="all", **filters)
    score = score_column(team.score_formula)
    latest_first = case(
        (
            col(Hypothesis.status).in_((Status.FINISHED.value, Status.DECIDED.value)),
            col(Hypothesis.updated_at),
        ),
        else_=None,
    )
    rank = func.row_number().over(
        partition_by=col(Hypothesis.status),
        order_by=(
            latest_first.desc(),
            score.desc(),
            col(Hypothesis.created_at).asc(),
            col(Hypothesis.id).asc(),
        ),
    )
    on_board = query.where(col(Hypothesis.status).in_(COLUMNS))
    inner = on_board.with_only_columns(
        col(Hypothesis.id),
        col(Hypothesis.title),
        col(Hypothesis.status),
        col(Hypothesis.stage),
        col(Hypothesis.subject),
        score.label("score"),
        col(User.name),
        col(Hypothesis.version),
        col(Hypothesis.created_by_id),
        rank.label("rank"),
        maintain_column_froms=True,
    ).subquery()
    rows = session.exec(
        select(*inner.c).where(inner.c.rank <= per_column).order_by(inner.c.rank)
    ).all()
    totals = dict(
        session.exec(
            on_board.with_only_columns(
                col(Hypothesis.status), func.count(), maintain_column_froms=True
            ).group_by(col(Hypothesis.status))
        ).all()
    )
    ids = [row[0] for row in rows if row[2] != Status.IDEA.value]
    tests = {  # read even for no ids: the same statements whatever the board holds
        hypothesis_id: (experiment_id, status)
        for hypothesis_id, experiment_id, status in session.exec(
            select(Experiment.hypothesis_id, Experiment.id, Experiment.status).where(
                col(Experiment.hypothesis_id).in_(ids)
            )
        ).all()
    }
    running = running_tests(session, team=team)
    by_hypothesis = {r.hypothesis.id: r for r in running}
    columns = {status: Column(status, total=totals.get(status, 0)) for status in COLUMNS}
    for ident, title, status, stage, subject, value, owner, version, author, _rank in rows:
        experiment_id, experiment_status = tests.get(ident, (None, None))
        columns[status].cards.append(
            Card(
                id=ident,
                title=title,
                status=status,
                stage=stage,
                subject=subject,
                score=float(value),
                owner=owner,
                version=version,
                created_by_id=author,
                experiment_id=experiment_id,
                experiment_status=experiment_status,
                test=by_hypothesis.get(ident),
            )
        )
    return Board(list(columns.values()), running, team.active_test_limit)


def designed(card: Card) -> bool:
    """Tell whether an approved card's test is designed and not started (it may start)."""
    return card.experiment_status == ExperimentStatus.DESIGN
