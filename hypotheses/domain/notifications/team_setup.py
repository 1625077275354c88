"""A team's notification setup, changed by its leads: webhooks, digest day and review day."""

from __future__ import annotations

import re
import secrets
from typing import Any
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlmodel import Session, col, select

from hypotheses.domain.core import audit
from hypotheses.domain.core.errors import NotFound, ValidationFailed
from hypotheses.domain.notifications.events import WEBHOOK_EVENTS
from hypotheses.domain.notifications.secretbox import hint, seal
from hypotheses.enums import WebhookKind
from hypotheses.models import Team, TeamWebhook, User

ENTITY = "webhook"
TELEGRAM_TOKEN = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{20,100}$")
TELEGRAM_CHAT = re.compile(r"^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{3,64})$")


def webhooks_of(session: Session, *, team: Team) -> list[TeamWebhook]:
    return list(
        session.exec(
            select(TeamWebhook).where(TeamWebhook.team_id == team.id).order_by(TeamWebhook.id)
        ).all()
    )


def _url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and len(value) <= 500


def add_webhook(
    session: Session,
    *,
    team: Team,
    actor: User,
    kind: Any,
    name: Any,
    target: Any,
    secret: Any,
    events: Any,
) -> tuple[TeamWebhook, str | None]:
    """Add a webhook and commit. Returns it and, for a signed JSON webhook whose secret was left
    blank, the secret made for it (shown once: it is stored encrypted, never shown again)."""
    errors: dict[str, list[str]] = {}
    kind = kind if WebhookKind.find(kind) else None
    name = name.strip() if isinstance(name, str) else ""
    target = target.strip() if isinstance(target, str) else ""
    secret = secret.strip() if isinstance(secret, str) else ""
    chosen = [e for e in (events or []) if e in {w.value for w in WEBHOOK_EVENTS}]
    made = None
    if kind is None:
        errors["kind"] = [_("Choose Telegram, Slack-compatible or signed JSON.")]
    if not name or len(name) > 120:
        errors["name"] = [_("Name the webhook (at most 120 characters).")]
    if not chosen:
        errors["events"] = [_("Choose at least one event.")]
    if kind == WebhookKind.TELEGRAM:
        if not TELEGRAM_CHAT.match(target):
            errors["target"] = [_("Enter the chat id (like -1001234567890) or @channel name.")]
        if not TELEGRAM_TOKEN.match(secret):
            errors["secret"] = [_("Enter the bot token BotFather gave you (digits:letters).")]
    elif kind == WebhookKind.SLACK:
        target = ""
        if not (secret.startswith("https://") and _url(secret)):
            errors["secret"] = [_("Enter the incoming webhook address (https://…).")]
    elif kind == WebhookKind.JSON:
        if not _url(target):
            errors["target"] = [_("Enter the address to post to (http:// or https://).")]
        if not secret:
            secret = made = secrets.token_urlsafe(32)
        elif len(secret) < 16 or len(secret) > 200:
            errors["secret"] = [_("Use a secret of 16 to 200 characters, or leave it blank.")]
    if errors:
        raise ValidationFailed(errors)
    hook = TeamWebhook(
        team_id=team.id,
        kind=kind,
        name=name,
        target=target,
        secret_box=seal(secret),
        hint=hint(secret),
        events=chosen,
        created_by_id=actor.id,
    )
    session.add(hook)
    session.flush()
    changes = audit.created({"name": name, "kind": kind, "events": chosen})
    audit.log(session, ENTITY, hook, "webhook.add", actor, changes=changes)
    session.commit()
    return hook, made


def remove_webhook(session: Session, *, team: Team, actor: User, webhook_id: int) -> None:
    """Remove a webhook of the team (its waiting messages go with it) and commit."""
    hook = session.exec(
        select(TeamWebhook).where(TeamWebhook.id == webhook_id, TeamWebhook.team_id == team.id)
    ).first()
    if hook is None:
        raise NotFound(_("This webhook does not exist."))
    audit.log(session, ENTITY, hook, "webhook.remove", actor, changes={"name": [hook.name, None]})
    session.delete(hook)
    session.commit()


def set_days(
    session: Session, *, team: Team, actor: User, digest_day: Any, review_day: Any
) -> dict:
    """Set the weekly digest's day and the review day (0 Monday … 6 Sunday; None: no digest,
    no draft reminder) and commit; returns the audited changes."""
    values: dict[str, int | None] = {}
    errors: dict[str, list[str]] = {}
    for field, raw in (("digest_day", digest_day), ("review_day", review_day)):
        if raw in (None, ""):
            values[field] = None
        elif isinstance(raw, int | str) and str(raw).isdigit() and 0 <= int(raw) <= 6:
            values[field] = int(raw)
        else:
            errors[field] = [_("Choose a day of the week.")]
    if errors:
        raise ValidationFailed(errors)
    locked = session.exec(select(Team).where(col(Team.id) == team.id)).one()
    action = "team.notifications"
    changes = audit.apply_changes(
        session, locked, values, team_id=team.id, entity="team", action=action, actor=actor
    )
    if changes:
        session.commit()
    return changes
