"""Team webhooks: what each kind is sent, and which hooks hear an event."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlmodel import Session, select

from hypotheses.enums import WebhookKind
from hypotheses.models import TeamWebhook

if TYPE_CHECKING:
    from hypotheses.domain.notifications.render import Rendered


def subscribed_webhooks(session: Session, *, team_id: int, event: str) -> list[TeamWebhook]:
    """The team's active webhooks that subscribed to *event*."""
    hooks = session.exec(
        select(TeamWebhook).where(TeamWebhook.team_id == team_id, TeamWebhook.active == True)  # noqa: E712
    ).all()
    return [hook for hook in hooks if event in (hook.events or [])]


def payload_for(hook: TeamWebhook, *, event: str, rendered: Rendered) -> dict:
    """The JSON document posted to *hook* (secrets are added at delivery, never stored here)."""
    text = rendered.text.strip()[:3500]
    if hook.kind == WebhookKind.TELEGRAM:
        # Bot API sendMessage: plain text (no parse_mode, so nothing needs escaping).
        return {"chat_id": hook.target, "text": text, "disable_web_page_preview": True}
    if hook.kind == WebhookKind.SLACK:
        return {"text": text}
    return {
        "event": event,
        "team_id": hook.team_id,
        "subject": rendered.subject,
        "text": text,
        "url": rendered.link,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
