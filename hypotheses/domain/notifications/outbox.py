"""The outbox: messages written in the caller's transaction, delivered later by the worker."""

from __future__ import annotations

from sqlmodel import Session

from hypotheses.domain.notifications.render import Rendered
from hypotheses.enums import NotificationEvent
from hypotheses.models import OutboxMessage, TeamWebhook, User

EMAIL = "email"


def enqueue_email(
    session: Session,
    *,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    event: str,
    team_id: int | None = None,
    dedupe_key: str | None = None,
    user_id: int | None = None,
) -> OutboxMessage:
    """Queue one e-mail to *to*, whatever the person's choices (invitations, password resets).

    Added to *session* and never committed here: it is sent exactly when the caller's change
    commits. *dedupe_key*, when given, is unique in the outbox: a second message with the same
    key makes the commit fail (IntegrityError) instead of sending twice.
    """
    message = OutboxMessage(
        team_id=team_id,
        event=NotificationEvent(event).value,
        channel=EMAIL,
        user_id=user_id,
        recipient=to.strip()[:254],
        subject=" ".join(subject.split())[:300],
        body_text=text,
        body_html=html,
        dedupe_key=dedupe_key,
    )
    session.add(message)
    return message


def parts(mail: Rendered) -> dict[str, str]:
    """The subject, text and HTML of a rendered e-mail, as enqueue_email takes them."""
    return {"subject": mail.subject, "text": mail.text, "html": mail.html}


def email_to(
    session: Session,
    user: User,
    mail: Rendered,
    *,
    event: str,
    team_id: int | None,
    dedupe_key: str | None = None,
) -> OutboxMessage:
    """Queue the rendered *mail* to *user* (their address, their id kept for the admin list)."""
    who = {"to": user.email, "user_id": user.id}
    return enqueue_email(
        session, **who, **parts(mail), event=event, team_id=team_id, dedupe_key=dedupe_key
    )


def post_to(
    session: Session, webhook: TeamWebhook, *, event: str, subject: str, text: str, payload: dict
) -> OutboxMessage:
    """Queue a post of *payload* to a team *webhook*."""
    message = OutboxMessage(
        team_id=webhook.team_id,
        event=NotificationEvent(event).value,
        channel=webhook.kind,
        webhook_id=webhook.id,
        recipient=webhook.name[:254],
        subject=" ".join(subject.split())[:300],
        body_text=text,
        payload=payload,
    )
    session.add(message)
    return message
