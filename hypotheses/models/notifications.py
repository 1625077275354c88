"""Notifications (issue 15): the outbox, per-person choices, digest items and team webhooks."""

from datetime import datetime

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from hypotheses.enums import OutboxStatus
from hypotheses.models.core import utcnow


class OutboxMessage(SQLModel, table=True):
    """One message to deliver: an e-mail to one address, or a post to one team webhook.

    Written in the transaction of the change that caused it; the worker claims it (status
    pending → sending), delivers it and marks it sent once, or schedules a retry.
    """

    __table_args__ = (
        Index("ix_outboxmessage_due", "status", "next_attempt_at"),
        UniqueConstraint("dedupe_key", name="uq_outboxmessage_dedupe_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: int | None = Field(default=None, foreign_key="team.id", ondelete="CASCADE")
    event: str = Field(max_length=40)
    channel: str = Field(max_length=16)  # "email" or a WebhookKind value
    user_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    webhook_id: int | None = Field(default=None, foreign_key="teamwebhook.id", ondelete="CASCADE")
    recipient: str = Field(max_length=254)  # an address, or the webhook's name
    subject: str = Field(max_length=300)
    body_text: str = Field(sa_column=Column(Text, nullable=False))
    body_html: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # Webhooks: the JSON document posted (Telegram, Slack or the signed JSON format).
    payload: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    dedupe_key: str | None = Field(default=None, max_length=200)
    status: str = Field(default=OutboxStatus.PENDING.value, max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow)
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = None
    sent_at: datetime | None = None
    last_error: str | None = Field(default=None, max_length=2000)
    created_at: datetime = Field(default_factory=utcnow)


class NotificationPreference(SQLModel, table=True):
    """One person's choice for one event (NotificationChoice); no row: the event's default."""

    __table_args__ = (UniqueConstraint("user_id", "event", name="uq_notificationpref_user_event"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    event: str = Field(max_length=40)
    choice: str = Field(max_length=16)


class DigestItem(SQLModel, table=True):
    """An event kept for someone's daily digest (rendered in their language when it happened);
    message_id is set when a digest e-mail took it."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    team_id: int | None = Field(default=None, foreign_key="team.id", ondelete="CASCADE")
    event: str = Field(max_length=40)
    subject: str = Field(max_length=300)
    link: str | None = Field(default=None, max_length=500)
    message_id: int | None = Field(
        default=None, foreign_key="outboxmessage.id", index=True, ondelete="SET NULL"
    )
    created_at: datetime = Field(default_factory=utcnow)


class TeamWebhook(SQLModel, table=True):
    """A team's outgoing webhook: Telegram, Slack-compatible or signed JSON.

    The secret part (a Telegram bot token, a Slack URL, the JSON URL's signing secret) is stored
    encrypted with a key derived from the app's SECRET_KEY and never shown again.
    """

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=16)
    name: str = Field(max_length=120)
    # Shown: the JSON webhook's URL, the Telegram chat id; Slack keeps its URL secret.
    target: str = Field(default="", max_length=500)
    secret_box: str = Field(sa_column=Column(Text, nullable=False))
    hint: str = Field(default="", max_length=40)  # e.g. "…3f9a", to recognise the secret
    events: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    active: bool = True
    created_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)


class ScheduleMark(SQLModel, table=True):
    """A scheduled notification already made (its key: what, for which record, which day), so
    the schedule fires each reminder once however many workers run it."""

    key: str = Field(primary_key=True, max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
