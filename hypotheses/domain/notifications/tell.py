"""One-line notify() calls for the domain's events: who hears of what, with which context.

Each function adds the notification to the caller's session (never commits), so a domain
function calls it once, right where the change happens, before its own commit.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from hypotheses.domain.core.weeks import week_bounds
from hypotheses.domain.notifications.events import notify
from hypotheses.enums import NotificationEvent, Role
from hypotheses.models import Experiment, Hypothesis, Membership, Review, ReviewDecision, Team, User

E = NotificationEvent


def leads_of(session: Session, team_id: int) -> list[int]:
    """The ids of the team's leads."""
    return list(
        session.exec(
            select(Membership.user_id).where(
                Membership.team_id == team_id, Membership.role == Role.LEAD.value
            )
        ).all()
    )


def _tell(session: Session, event: str, team_id: int, people: list, context: dict, actor) -> None:
    actor_id = actor.id if actor is not None else None
    notify(session, event, team_id=team_id, recipients=people, context=context, actor_id=actor_id)


def hypothesis(session: Session, event: str, item: Hypothesis, *, actor: User | None) -> None:
    """Approval requested (to the leads); approved or rejected (to its author and owner)."""
    if event == E.APPROVAL_REQUESTED:
        people = leads_of(session, item.team_id)
    else:
        people = [item.created_by_id, item.owner_id]
    context = {"title": item.title, "path": f"/backlog/{item.id}", "reason": item.reject_reason}
    _tell(session, event, item.team_id, people, context, actor)


IMPORT_TITLES = 10  # titles listed in the message of an import; the rest are counted


def imported(session: Session, entered: list[Hypothesis], *, actor: User | None) -> None:
    """Hypotheses of one imported file entered the backlog: one approval request to the leads
    for the file (the usual one when a single row entered)."""
    if not entered:
        return
    if len(entered) == 1:
        hypothesis(session, E.APPROVAL_REQUESTED, entered[0], actor=actor)
        return
    team_id = entered[0].team_id
    context = {
        "imported": len(entered),
        "titles": [item.title for item in entered[:IMPORT_TITLES]],
        "path": "/backlog/?status=backlog",
    }
    _tell(session, E.APPROVAL_REQUESTED, team_id, leads_of(session, team_id), context, actor)


def experiment(session: Session, event: str, item: Experiment, *, actor: User | None) -> None:
    """A test started, finished or decided: to its owner and the team's leads."""
    owner = session.get(Hypothesis, item.hypothesis_id)
    context = {
        "title": owner.title if owner else "",
        "path": f"/experiments/{item.id}",
        "decision": item.decision,
        "outcome": item.outcome,
        "learning": item.learning,
    }
    people = [owner.owner_id if owner else None, *leads_of(session, item.team_id)]
    _tell(session, event, item.team_id, people, context, actor)


def review_published(session: Session, *, team: Team, review: Review, actor: User) -> None:
    """The review is out: to every member, with the week's decided tests and the decisions."""
    monday, sunday = week_bounds(review.iso_week)
    tests = session.exec(
        select(Experiment, Hypothesis.title)
        .join(Hypothesis, col(Hypothesis.id) == col(Experiment.hypothesis_id))
        .where(Experiment.team_id == team.id, col(Experiment.decision).is_not(None))
    ).all()
    decided = [
        {"title": title, "decision": e.decision, "outcome": e.outcome, "learning": e.learning}
        for e, title in tests
        if e.decided_at is not None and monday <= e.decided_at.date() <= sunday
    ]
    decisions = session.exec(
        select(ReviewDecision, User.name)
        .outerjoin(User, col(User.id) == col(ReviewDecision.owner_id))
        .where(ReviewDecision.review_id == review.id)
        .order_by(ReviewDecision.id)
    ).all()
    members = session.exec(select(Membership.user_id).where(Membership.team_id == team.id)).all()
    context = {
        "week": review.iso_week,
        "path": f"/reviews/{review.iso_week}",
        "tests": decided,
        "decisions": [{"text": d.text, "owner": name, "due": d.due} for d, name in decisions],
    }
    _tell(session, E.REVIEW_PUBLISHED, team.id, list(members), context, actor)


def decision_assigned(
    session: Session, *, review: Review, decision: ReviewDecision, actor: User
) -> None:
    """A review decision got an owner: tell them (not when they assigned it to themselves)."""
    context = {"text": decision.text, "due": decision.due, "path": f"/reviews/{review.iso_week}"}
    _tell(session, E.REVIEW_DECISION_ASSIGNED, review.team_id, [decision.owner_id], context, actor)
