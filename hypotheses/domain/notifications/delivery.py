"""The delivery loop: claim due messages atomically, send each, mark it sent once.

A message is claimed by moving it from ``pending`` to ``sending`` under a claim token, in a
short transaction of its own: on PostgreSQL the rows are picked with SELECT … FOR UPDATE SKIP
LOCKED, so two workers never pick the same one; on SQLite (which has no row locks) each claim
is a conditional UPDATE that succeeds for exactly one worker. The message is sent outside any
transaction, then marked ``sent`` only by the token that claimed it. A failure puts it back to
``pending`` with an exponential backoff, until MAX attempts make it ``failed`` (shown to admins,
who can retry it). A claim whose worker died is taken over after LEASE.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import and_, or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from hypotheses.db import is_postgres
from hypotheses.domain.notifications.channels import DeliveryError, Mailer, post_webhook
from hypotheses.domain.notifications.outbox import EMAIL
from hypotheses.enums import OutboxStatus
from hypotheses.models import OutboxMessage, TeamWebhook

PENDING, SENDING = OutboxStatus.PENDING.value, OutboxStatus.SENDING.value
SENT, FAILED = OutboxStatus.SENT.value, OutboxStatus.FAILED.value
LEASE = timedelta(minutes=10)


@dataclass
class Report:
    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def _config(name: str, default: float) -> float:
    return float(current_app.config.get(name, default))


def backoff(attempts: int) -> timedelta:
    """The wait before attempt *attempts* + 1: base × 2^(attempts − 1), at most an hour,
    with up to 10 % jitter so that retries of many messages spread out."""
    base = _config("NOTIFY_RETRY_BASE_SECONDS", 30)
    delay = min(_config("NOTIFY_RETRY_MAX_SECONDS", 3600), base * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=delay * (1 + random.random() / 10))


def _due(now: datetime):
    m = OutboxMessage
    return or_(
        and_(m.status == PENDING, col(m.next_attempt_at) <= now),
        and_(m.status == SENDING, col(m.claimed_at) < now - LEASE),
    )


def claim(engine: Engine, *, token: str, now: datetime, limit: int) -> list[int]:
    """Claim up to *limit* due messages for *token*; return their ids (each claimed once)."""
    m = OutboxMessage
    claimed: list[int] = []
    with Session(engine) as session:
        pick = select(m.id).where(_due(now)).order_by(m.id).limit(limit)
        if is_postgres(engine):
            ids = list(session.exec(pick.with_for_update(skip_locked=True)).all())
            condition = col(m.id).in_(ids)
            if ids:
                session.execute(_claim_update(condition, token, now))
            claimed = ids
        else:
            # No row locks: one conditional UPDATE claims whichever candidates are still due
            # (a row another worker claimed first no longer matches), then read back ours.
            candidates = list(session.exec(pick).all())
            if candidates:
                session.execute(
                    _claim_update(and_(col(m.id).in_(candidates), _due(now)), token, now)
                )
                claimed = list(
                    session.exec(
                        select(m.id).where(col(m.id).in_(candidates), m.claimed_by == token)
                    ).all()
                )
        session.commit()
    return claimed


def _claim_update(condition, token: str, now: datetime):
    m = OutboxMessage
    return (
        update(m)
        .where(condition)
        .values(status=SENDING, claimed_by=token, claimed_at=now, attempts=m.attempts + 1)
        .execution_options(synchronize_session=False)
    )


def dispatch(message: OutboxMessage, hook: TeamWebhook | None, mailer: Mailer) -> None:
    """Send *message* by its channel (e-mail on the batch's SMTP connection)."""
    if message.channel == EMAIL:
        mailer.send(message)
    else:
        post_webhook(message, hook)


def _finish(engine: Engine, message: OutboxMessage, token: str, error: str | None) -> str:
    m = OutboxMessage
    now = datetime.now(UTC)
    if error is None:
        values = {"status": SENT, "sent_at": now, "last_error": None}
    elif message.attempts >= int(_config("NOTIFY_MAX_ATTEMPTS", 8)):
        values = {"status": FAILED, "last_error": error[:2000]}
    else:
        values = {
            "status": PENDING,
            "last_error": error[:2000],
            "next_attempt_at": now + backoff(message.attempts),
        }
    with Session(engine) as session:
        session.execute(
            update(m)
            .where(m.id == message.id, m.status == SENDING, m.claimed_by == token)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        session.commit()
    return values["status"]


def deliver_due(
    engine: Engine,
    *,
    worker: str = "worker",
    now: datetime | None = None,
    limit: int = 50,
    send: Callable[[OutboxMessage, TeamWebhook | None, Mailer], None] = dispatch,
) -> Report:
    """Claim and send one batch of due messages (call inside an app context)."""
    token = f"{worker[:40]}:{secrets.token_hex(6)}"
    report = Report()
    ids = claim(engine, token=token, now=now or datetime.now(UTC), limit=limit)
    report.claimed = len(ids)
    if not ids:
        return report
    with Session(engine, expire_on_commit=False) as session:
        messages = session.exec(
            select(OutboxMessage).where(col(OutboxMessage.id).in_(ids)).order_by(OutboxMessage.id)
        ).all()
        hook_ids = {m.webhook_id for m in messages if m.webhook_id}
        hooks = {
            hook.id: hook
            for hook in session.exec(
                select(TeamWebhook).where(col(TeamWebhook.id).in_(hook_ids))
            ).all()
        }
        session.commit()
    mailer = Mailer()
    try:
        for message in messages:
            _deliver_one(
                engine, message, hooks.get(message.webhook_id), token, send, mailer, report
            )
    finally:
        mailer.close()
    return report


def _deliver_one(
    engine: Engine,
    message: OutboxMessage,
    hook: TeamWebhook | None,
    token: str,
    send: Callable,
    mailer: Mailer,
    report: Report,
) -> None:
    try:
        send(message, hook, mailer)
        error = None
    except DeliveryError as failure:
        error = str(failure)
    except Exception as failure:  # a bug in a channel must not stop the loop
        error = f"{type(failure).__name__}: {failure}"
        current_app.logger.exception("delivering outbox message %s", message.id)
    status = _finish(engine, message, token, error)
    if status == SENT:
        report.sent += 1
    elif status == FAILED:
        report.failed += 1
    else:
        report.retrying += 1


def deliver_all(engine: Engine, *, worker: str = "worker", rounds: int = 1000, **kw) -> Report:
    """Deliver batches until none is due (a failed send waits for its backoff)."""
    total = Report()
    for _ in range(rounds):
        report = deliver_due(engine, worker=worker, **kw)
        for name in ("claimed", "sent", "retrying", "failed"):
            setattr(total, name, getattr(total, name) + getattr(report, name))
        if report.claimed == 0:
            break
    return total


def retry(session: Session, *, message_id: int) -> bool:
    """Put a failed (or waiting) message back in the queue now; True when it was."""
    m = OutboxMessage
    result = session.execute(
        update(m)
        .where(m.id == message_id, col(m.status).in_([FAILED, PENDING]))
        .values(status=PENDING, attempts=0, next_attempt_at=datetime.now(UTC))
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return result.rowcount == 1
