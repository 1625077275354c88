"""notify(): one call where something happens; the outbox rows follow each person's choice.

Context keys every event understands: ``title`` (of the hypothesis, test or review), ``path``
(the page's path in the app, e.g. "/backlog/12"); ``actor`` (a name) is filled from *actor_id*.
Per event: approval requested for an imported file ``imported`` (how many entered the
backlog), ``titles`` (the first of them); rejected ``reason``; decision recorded
``decision``, ``outcome``, ``learning``;
review published ``week``, ``tests`` [{title, outcome, decision, learning}], ``decisions``
[{text, owner, due}]; review decision assigned/due/overdue ``text``, ``due``; review draft
reminder ``week``; mentioned ``excerpt``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from hypotheses.domain.notifications import outbox
from hypotheses.domain.notifications.render import language_of, render_event
from hypotheses.domain.notifications.webhooks import payload_for, subscribed_webhooks
from hypotheses.enums import NotificationChoice, NotificationEvent
from hypotheses.models import DigestItem, NotificationPreference, OutboxMessage, Team, User

E = NotificationEvent
# Sent whatever the person chose (they are the reason the person can sign in at all).
BYPASS = frozenset({E.INVITATION, E.PASSWORD_RESET})
# Events a person may choose for (the profile's list), in this order.
CHOOSABLE = tuple(e for e in E if e not in BYPASS and e != E.DAILY_DIGEST)
# Events a team webhook may subscribe to (team-wide news, not one person's reminders).
WEBHOOK_EVENTS = (
    E.APPROVAL_REQUESTED,
    E.HYPOTHESIS_APPROVED,
    E.HYPOTHESIS_REJECTED,
    E.TEST_STARTED,
    E.TEST_REACHED_SAMPLE,
    E.SRM_DETECTED,
    E.TEST_FINISHED,
    E.DECISION_RECORDED,
    E.REVIEW_PUBLISHED,
    E.REVIEW_DRAFT_REMINDER,
    E.WEEKLY_DIGEST,
)
DEFAULT_CHOICE = NotificationChoice.NOW
MUTED = "hypotheses.notifications_muted"


@contextmanager
def muted(session: Session) -> Iterator[None]:
    """Inside the block, notify() on *session* writes nothing (loading the demo's history)."""
    before = session.info.get(MUTED)
    session.info[MUTED] = True
    try:
        yield
    finally:
        if before is None:
            session.info.pop(MUTED, None)
        else:
            session.info[MUTED] = before


def choices_of(session: Session, user_ids: Iterable[int], event: str) -> dict[int, str]:
    """Return {user id: choice} for *event* (the default where a person chose nothing)."""
    ids = list(user_ids)
    chosen = (
        dict(
            session.exec(
                select(NotificationPreference.user_id, NotificationPreference.choice).where(
                    col(NotificationPreference.user_id).in_(ids),
                    NotificationPreference.event == event,
                )
            ).all()
        )
        if ids
        else {}
    )
    return {uid: chosen.get(uid, DEFAULT_CHOICE.value) for uid in ids}


def _people(session: Session, recipients: Iterable[User | int | None], actor_id: int | None):
    ids: list[int] = []
    known: dict[int, User] = {}
    for person in recipients:
        if person is None:
            continue
        uid = person if isinstance(person, int) else person.id
        if uid is None or uid == actor_id or uid in ids:
            continue
        ids.append(uid)
        if isinstance(person, User):
            known[uid] = person
    missing = [uid for uid in ids if uid not in known]
    if missing:
        for user in session.exec(select(User).where(col(User.id).in_(missing))).all():
            known[user.id] = user
    return [known[uid] for uid in ids if uid in known and known[uid].is_active]


def notify(
    session: Session,
    event: str,
    *,
    team_id: int | None,
    recipients: Iterable[User | int | None],
    context: dict[str, Any],
    actor_id: int | None = None,
) -> list[OutboxMessage]:
    """Tell *recipients* (users or user ids) and the team's subscribed webhooks about *event*.

    Each person gets it as they chose: an e-mail now (rendered in their language), an item of
    their daily digest, or nothing; the actor is never told of their own act. Rows are added
    to *session* and never committed here: they commit, or roll back, with the caller's change.
    Returns the outbox messages added.
    """
    event = E(event)
    if session.info.get(MUTED):
        return []
    context = dict(context)
    if actor_id is not None and not context.get("actor"):
        actor = session.get(User, actor_id)
        context["actor"] = actor.name if actor else None
    people = _people(session, recipients, actor_id)
    choices = choices_of(session, [p.id for p in people], event.value)
    added: list[OutboxMessage] = []
    for person in people:
        choice = NotificationChoice.NOW.value if event in BYPASS else choices[person.id]
        if choice == NotificationChoice.DIGEST and event == E.WEEKLY_DIGEST:
            choice = NotificationChoice.NOW.value  # a digest is not put in another digest
        if choice == NotificationChoice.NEVER:
            continue
        rendered = render_event(event, context, language=language_of(person.language))
        if choice == NotificationChoice.DIGEST:
            session.add(
                DigestItem(
                    user_id=person.id,
                    team_id=team_id,
                    event=event.value,
                    subject=rendered.subject,
                    link=rendered.link,
                    created_at=datetime.now(UTC),
                )
            )
            continue
        added.append(outbox.email_to(session, person, rendered, event=event.value, team_id=team_id))
    if team_id is not None and event in WEBHOOK_EVENTS:
        hooks = subscribed_webhooks(session, team_id=team_id, event=event.value)
        if hooks:
            team = session.get(Team, team_id)
            language = language_of(team.default_language if team else None)
            rendered = render_event(event, context, language=language)
            for hook in hooks:
                added.append(
                    outbox.post_to(
                        session,
                        hook,
                        event=event.value,
                        subject=rendered.subject,
                        text=rendered.text,
                        payload=payload_for(hook, event=event.value, rendered=rendered),
                    )
                )
    return added
