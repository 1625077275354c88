"""Decisions of a weekly review: what, who owns it, by when; closing earlier ones.

Each use case validates first, writes an audit entry and commits once; on a refusal it
raises a DomainError before anything is added to the session.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlmodel import Session, col, select

from hypotheses.domain.core import audit
from hypotheses.domain.core.errors import Conflict, NotFound, ValidationFailed
from hypotheses.domain.core.transaction import write_lock
from hypotheses.domain.notifications import tell
from hypotheses.domain.reviews.lifecycle import require_draft
from hypotheses.enums import ItemStatus
from hypotheses.models import (
    Experiment,
    Hypothesis,
    Membership,
    Review,
    ReviewDecision,
    Team,
    User,
)

ENTITY = "reviewdecision"
MAX_TEXT = 500
CLOSE_STATUSES = (ItemStatus.DONE, ItemStatus.CARRIED)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass
class DecisionLine:
    """A decision with the names a page or export shows next to it."""

    decision: ReviewDecision
    owner: str | None
    hypothesis: Hypothesis | None
    experiment: Experiment | None
    week: str  # the week of the review that took it


def _by_id(session: Session, model: Any, ids: set[int]) -> dict[int, Any]:
    if not ids:
        return {}
    return {row.id: row for row in session.exec(select(model).where(col(model.id).in_(ids)))}


def _lines(session: Session, *where: Any, by_week: bool = False) -> list[DecisionLine]:
    """The decisions matching *where*, with names and links, in the order they were taken (or
    week by week when *by_week*)."""
    first = col(Review.iso_week) if by_week else col(ReviewDecision.created_at)
    rows = session.exec(
        select(ReviewDecision, Review.iso_week)
        .join(Review, col(Review.id) == col(ReviewDecision.review_id))
        .where(*where)
        .order_by(first, col(ReviewDecision.id))
    ).all()
    owners = _by_id(session, User, {d.owner_id for d, _w in rows if d.owner_id})
    hyps = _by_id(session, Hypothesis, {d.hypothesis_id for d, _w in rows if d.hypothesis_id})
    exps = _by_id(session, Experiment, {d.experiment_id for d, _w in rows if d.experiment_id})
    return [
        DecisionLine(
            decision=d,
            owner=owners[d.owner_id].name if d.owner_id in owners else None,
            hypothesis=hyps.get(d.hypothesis_id),
            experiment=exps.get(d.experiment_id),
            week=week,
        )
        for d, week in rows
    ]


def decision_lines(session: Session, *, review: Review) -> list[DecisionLine]:
    """Return the decisions taken in *review* with owner names and links, oldest first."""
    return _lines(session, ReviewDecision.review_id == review.id)


def decision_lines_of(session: Session, *, reviews: list[Review]) -> dict[int, list[DecisionLine]]:
    """Return review id → ``decision_lines`` of that review, for many reviews at once."""
    if not reviews:
        return {}
    out: dict[int, list[DecisionLine]] = {r.id: [] for r in reviews}
    for line in _lines(session, col(ReviewDecision.review_id).in_([r.id for r in reviews])):
        out[line.decision.review_id].append(line)
    return out


def earlier_open(session: Session, *, team: Team, review: Review) -> list[DecisionLine]:
    """Return decisions from earlier weeks that are still open (to mark done or carry over)."""
    return _lines(
        session,
        Review.team_id == team.id,
        col(Review.iso_week) < review.iso_week,
        ReviewDecision.status == ItemStatus.OPEN,
        by_week=True,
    )


def closed_in(session: Session, *, review: Review) -> list[DecisionLine]:
    """Return earlier decisions that were marked done or carried over in *review*."""
    return _lines(session, ReviewDecision.closed_in_review_id == review.id, by_week=True)


def linkable_hypotheses(
    session: Session, *, team: Team
) -> list[tuple[Hypothesis, Experiment | None]]:
    """Return the team's hypotheses a decision may link to (not rejected), with their tests."""
    rows = session.exec(
        select(Hypothesis, Experiment)
        .join(Experiment, col(Experiment.hypothesis_id) == col(Hypothesis.id), isouter=True)
        .where(Hypothesis.team_id == team.id, Hypothesis.status != "rejected")
        .order_by(Hypothesis.title, Hypothesis.id)
    ).all()
    return [(h, e) for h, e in rows]


def _is_id(value: object) -> bool:
    # Out-of-range ids would make PostgreSQL fail the query instead of finding nothing.
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31


def _clean(
    session: Session,
    team: Team,
    text: object,
    owner_id: object,
    due: object,
    hypothesis_id: object,
    experiment_id: object,
) -> dict[str, Any]:
    """The decision's fields checked against *team*: owner a member, links the team's own (a
    hypothesis brings its test, a test its hypothesis); ValidationFailed names each bad one."""
    errors: dict[str, list[str]] = {}
    text = text.strip() if isinstance(text, str) else ""
    if not text:
        errors["text"] = [_("Say what was decided.")]
    elif len(text) > MAX_TEXT:
        errors["text"] = [_("Use at most %(n)d characters.", n=MAX_TEXT)]
    elif _CONTROL.search(text):
        errors["text"] = [_("Keep the decision on one line, without control characters.")]
    if (
        not _is_id(owner_id)
        or session.exec(
            select(Membership.id).where(
                Membership.team_id == team.id, Membership.user_id == owner_id
            )
        ).first()
        is None
    ):
        errors["owner_id"] = [_("Choose an owner from this team.")]
    if not isinstance(due, date):
        errors["due"] = [_("Enter a due date.")]
    hypothesis = experiment = None
    if hypothesis_id is not None:
        hypothesis = session.get(Hypothesis, hypothesis_id) if _is_id(hypothesis_id) else None
        if hypothesis is None or hypothesis.team_id != team.id:
            errors["hypothesis_id"] = [_("Choose a hypothesis of this team.")]
    if experiment_id is not None:
        experiment = session.get(Experiment, experiment_id) if _is_id(experiment_id) else None
        if experiment is None or experiment.team_id != team.id:
            errors["hypothesis_id"] = [_("Choose a test of this team.")]
    if errors:
        raise ValidationFailed(errors, _("The decision was not saved; see the marked fields."))
    if experiment is not None and hypothesis is None:
        hypothesis = session.get(Hypothesis, experiment.hypothesis_id)
    if hypothesis is not None and experiment is None:
        experiment = session.exec(
            select(Experiment).where(Experiment.hypothesis_id == hypothesis.id)
        ).first()
    return {
        "text": text,
        "owner_id": owner_id,
        "due": due,
        "hypothesis_id": hypothesis.id if hypothesis else None,
        "experiment_id": experiment.id if experiment else None,
    }


def add_decision(
    session: Session,
    *,
    team: Team,
    actor: User,
    review: Review,
    text: str,
    owner_id: int,
    due: date,
    hypothesis_id: int | None = None,
    experiment_id: int | None = None,
) -> ReviewDecision:
    """Record a decision in a draft review."""
    write_lock(session)
    require_draft(review)
    clean = _clean(session, team, text, owner_id, due, hypothesis_id, experiment_id)
    decision = ReviewDecision(review_id=review.id, team_id=team.id, **clean)
    audit.record_new(
        session,
        decision,
        team_id=team.id,
        entity=ENTITY,
        action="decision.add",
        actor=actor,
        values=clean,
        note=review.iso_week,
    )
    session.flush()
    tell.decision_assigned(session, review=review, decision=decision, actor=actor)
    session.commit()
    return decision


def update_decision(
    session: Session,
    *,
    team: Team,
    actor: User,
    review: Review,
    decision_id: int,
    text: str,
    owner_id: int,
    due: date,
    hypothesis_id: int | None = None,
    experiment_id: int | None = None,
) -> dict[str, list]:
    """Change a decision of a draft review; return the audited diff."""
    decision = _draft_decision(session, team, review, decision_id)
    clean = _clean(session, team, text, owner_id, due, hypothesis_id, experiment_id)
    changes = audit.apply_changes(
        session,
        decision,
        clean,
        team_id=team.id,
        entity=ENTITY,
        action="decision.update",
        actor=actor,
        note=review.iso_week,
    )
    if "owner_id" in changes:
        tell.decision_assigned(session, review=review, decision=decision, actor=actor)
    if changes:
        session.commit()
    return changes


def remove_decision(
    session: Session, *, team: Team, actor: User, review: Review, decision_id: int
) -> None:
    """Delete a decision from a draft; a carried-over copy re-opens the decision it came from."""
    decision = _draft_decision(session, team, review, decision_id)
    if decision.carried_from_id:
        source = session.get(ReviewDecision, decision.carried_from_id)
        if (
            source is not None
            and source.status == ItemStatus.CARRIED
            and source.closed_in_review_id == review.id
        ):
            source.status, source.closed_in_review_id = ItemStatus.OPEN, None
            session.add(source)
    removed = {"text": [decision.text, None]}
    audit.log(
        session, ENTITY, decision, "decision.remove", actor, changes=removed, note=review.iso_week
    )
    session.delete(decision)
    session.commit()


def close_previous_decision(
    session: Session,
    *,
    team: Team,
    actor: User,
    review: Review,
    decision_id: int,
    status: str,
    due: date | None = None,
) -> ReviewDecision | None:
    """Mark an earlier week's open decision done, or carry it over into *review*.

    Carrying over closes the old one as "carried" and returns its open copy in this review
    (with ``carried_from_id``), due on *due* or the old due date.
    """
    write_lock(session)
    require_draft(review)
    if status not in CLOSE_STATUSES:
        raise ValidationFailed(
            {"status": [_("Choose done or carried over.")]}, _("Choose done or carried over.")
        )
    decision = _get(session, team, decision_id)
    source_review = session.get(Review, decision.review_id)
    if source_review is None or source_review.iso_week >= review.iso_week:
        raise Conflict(_("Only decisions from earlier weeks are closed here."))
    if decision.status != ItemStatus.OPEN:
        raise Conflict(_("This decision is already closed (%(status)s).", status=decision.status))
    decision.status, decision.closed_in_review_id = status, review.id
    session.add(decision)
    copy = None
    if status == ItemStatus.CARRIED:
        copy = ReviewDecision(
            review_id=review.id,
            team_id=team.id,
            text=decision.text,
            owner_id=decision.owner_id,
            due=due or decision.due,
            hypothesis_id=decision.hypothesis_id,
            experiment_id=decision.experiment_id,
            carried_from_id=decision.id,
        )
        session.add(copy)
        session.flush()
    closed = {"status": [ItemStatus.OPEN, status]}
    audit.log(
        session, ENTITY, decision, f"decision.{status}", actor, changes=closed, note=review.iso_week
    )
    session.commit()
    return copy


def _get(session: Session, team: Team, decision_id: int) -> ReviewDecision:
    decision = session.get(ReviewDecision, decision_id) if _is_id(decision_id) else None
    if decision is None or decision.team_id != team.id:
        raise NotFound(_("There is no such decision in this team."))
    return decision


def _draft_decision(
    session: Session, team: Team, review: Review, decision_id: int
) -> ReviewDecision:
    """Lock, refuse a published *review*, and return its decision *decision_id* (NotFound for
    another team's or another review's)."""
    write_lock(session)
    require_draft(review)
    decision = _get(session, team, decision_id)
    if decision.review_id != review.id:
        raise NotFound(_("This decision belongs to another review."))
    return decision
