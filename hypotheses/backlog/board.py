"""The board view of the backlog: the pipeline as columns, and moving a card.

A move runs the same use case as the button it stands for (through ``move_routes.press``), after
the same permission check as that button's route: the same refusals, the same messages.
Backlog and board are two views of one list; the user's choice is kept in the session
(``view_choice``).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import (
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from hypotheses.backlog import page_parts
from hypotheses.backlog.blueprint import bp
from hypotheses.backlog.move_routes import press
from hypotheses.backlog.moves import SUCCESS
from hypotheses.backlog.routes import get_or_404, list_args
from hypotheses.backlog.view_choice import remember_view
from hypotheses.db import get_session
from hypotheses.domain.backlog import board as backlog_board
from hypotheses.domain.backlog import lifecycle as backlog
from hypotheses.domain.backlog import queries as backlog_queries
from hypotheses.domain.backlog import rules as backlog_rules
from hypotheses.domain.experiments import lifecycle as experiments
from hypotheses.enums import Stage, Status, Subject
from hypotheses.permissions import can, requires

BOARD_ARGS = page_parts.SHARED_FILTERS  # the list's filters but status and sort


def _without_version(use_case):
    """Adapt a test's use case to ``press`` (which names the hypothesis in its message)."""

    def run(db, *, hypothesis_id, team, actor, version=None):
        use_case(db, team=team, actor=actor, hypothesis_id=hypothesis_id)
        return backlog_queries.get_hypothesis(db, team=team, hypothesis_id=hypothesis_id)

    return run


USE_CASES = {
    "promote": backlog.promote,
    "approve": backlog.approve,
    "archive": backlog.archive,
    "start": _without_version(experiments.start),
}
# action -> the button's route: a move needs the permission that route requires.
ENDPOINT_OF = {
    "promote": "backlog.promote",
    "approve": "backlog.approve",
    "archive": "backlog.archive",
    "start": "experiments.start",
}


def _may(endpoint: str) -> bool:
    """Tell whether the signed-in user holds the permission the route *endpoint* requires."""
    return can(current_app.view_functions[endpoint].permission)


MOVE_LABELS = {
    "promote": _l("Move into the backlog"),
    "approve": _l("Approve"),
    "start": _l("Start the test"),
    "archive": _l("Archive"),
}


@dataclass(frozen=True)
class MenuItem:
    """One entry of a card's menu: a move (a POST form) or a link to where it is done."""

    label: str
    to: str | None  # the column (or "archived") a move goes to; None for a link
    href: str | None = None


def _board_args() -> dict[str, str]:
    return {k: v for k, v in list_args().items() if k in BOARD_ARGS}


def _menu(card: backlog_board.Card) -> list[MenuItem]:
    """Return what the signed-in user may do with *card*: the moves its status allows and
    their role holds (a use case may still refuse, saying why), then links to the pages
    where a reason or a form is needed."""
    role = g.role
    items: list[MenuItem] = []
    blocked = current_user.id == card.created_by_id and not g.team.allow_self_approval
    allowed = backlog_rules.permitted_actions(card.status, role, author_blocked=blocked)
    for (status, to), action in backlog_board.MOVES.items():
        if status != card.status or not _may(ENDPOINT_OF[action]):
            continue
        if action in backlog_rules.ALLOWED_FROM and action not in allowed:
            continue
        if action == "start" and not backlog_board.designed(card):
            continue
        items.append(MenuItem(str(MOVE_LABELS[action]), to))
    items.sort(key=lambda item: item.to == backlog_board.ARCHIVE)
    ident = card.id
    if card.status == Status.APPROVED and card.experiment_id is None and can("experiment.design"):
        href = url_for("experiments.design", hypothesis_id=ident)
        items.append(MenuItem(_("Design the test"), None, href))
    if "reject" in allowed:
        href = url_for("backlog.detail", hypothesis_id=ident, _anchor="reject-form")
        items.append(MenuItem(_("Reject…"), None, href))
    if card.experiment_id and card.status == Status.RUNNING and can("experiment.stop"):
        href = url_for(
            "experiments.detail", experiment_id=card.experiment_id, _anchor="stop-details"
        )
        items.append(MenuItem(_("Stop the test…"), None, href))
    if card.experiment_id and card.status == Status.RUNNING and _may("experiments.finish"):
        href = url_for(
            "experiments.detail", experiment_id=card.experiment_id, _anchor="finish-form"
        )
        items.append(MenuItem(_("Finish the test…"), None, href))
    if card.experiment_id and card.status == Status.FINISHED and _may("experiments.decision"):
        href = url_for(
            "experiments.detail", experiment_id=card.experiment_id, _anchor="decision-form-section"
        )
        items.append(MenuItem(_("Record the decision"), None, href))
    return items


@bp.route("/board")
@requires("hypothesis.view")
def board():
    """Show the pipeline as columns, idea → decided, with the running column's slots."""
    remember_view("board")
    db = get_session()
    criteria, fields = page_parts.read_filters(
        backlog_queries.team_members(db, team=g.team),
        rice=g.team.rice_enabled,
        formdata=request.args,
    )
    criteria = {k: v for k, v in criteria.items() if k in BOARD_ARGS}
    the_board = backlog_board.read_board(db, team=g.team, **criteria)
    args = _board_args()
    menus = {card.id: _menu(card) for column in the_board.columns for card in column.cards}
    return render_template(
        "backlog/board.html",
        board=the_board,
        menus=menus,
        labels={
            "status": {s.value: str(s.label) for s in Status},
            "stage": {s.value: str(s.label) for s in Stage},
            "subject": {s.value: str(s.label) for s in Subject},
        },
        parts=page_parts.page_parts("board", [f for f in fields if f.name in BOARD_ARGS], args),
        args=args,
        health=backlog_queries.health(db, team=g.team),
        may_move=any(menus.values()),
    )


@bp.route("/board/<int:hypothesis_id>/move", methods=["POST"])
@requires("hypothesis.view")
def move(hypothesis_id: int):
    """Move a card to a column: the button's use case, permission and messages."""
    hypothesis = get_or_404(hypothesis_id)
    to = request.form.get("to", "")[:40]
    back = redirect(url_for("backlog.board", **_board_args(), _anchor=f"card-{hypothesis_id}"), 303)
    action = backlog_board.action_of(hypothesis.status, to)
    if action is None:
        if (hypothesis.status, to) in backlog_board.ON_THE_TEST_PAGE:
            message = (
                _("A decision needs its outcome and a learning: record it on the test's page.")
                if to == Status.DECIDED
                else _(
                    "Finishing a test makes its latest results final (before the planned "
                    "sample, with a reason): do it on the test's page."
                )
            )
        elif to in backlog_board.COLUMNS:
            message = _(
                "“%(title)s” cannot move from %(from)s to %(to)s: no action does that.",
                title=hypothesis.title,
                **{"from": Status.label_of(hypothesis.status), "to": Status.label_of(to)},
            )
        else:
            message = _("Choose one of the board's columns.")
        flash(message, "warning")
        return back
    if not _may(ENDPOINT_OF[action]):
        abort(403)
    press(hypothesis_id, USE_CASES[action], SUCCESS[action])
    return back
