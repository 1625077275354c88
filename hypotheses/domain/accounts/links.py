"""One-time links (invitations, password resets): a random token in the link, its SHA-256 in
the database (hashed_tokens), so a copy of the database opens no account. The e-mails they
travel in."""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import render_template
from flask_babel import force_locale
from sqlalchemy import update
from sqlmodel import Session, col, select

from hypotheses.domain.accounts.hashed_tokens import hash_token, worth_looking_up
from hypotheses.domain.notifications.messages import Message
from hypotheses.domain.notifications.render import Rendered, absolute


class LinkState(enum.Enum):
    """What a link's token finds."""

    VALID = "valid"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"


def now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def state_of(row, *, at: datetime | None = None) -> LinkState:
    """Tell whether a link row (None: no such token) may still be used."""
    if row is None:
        return LinkState.UNKNOWN
    if row.used_at is not None:
        return LinkState.USED
    if _aware(row.expires_at) <= (at or now()):
        return LinkState.EXPIRED
    return LinkState.VALID


def find(session: Session, model, token: str) -> tuple[Any, LinkState]:
    """Return the link row of *model* that *token* opens (None if unknown) and whether it can
    be used."""
    if not worth_looking_up(token):
        return None, LinkState.UNKNOWN
    row = session.exec(select(model).where(model.token_hash == hash_token(token))).first()
    return row, state_of(row)


def expire_pending(session: Session, model, *where: Any) -> datetime:
    """End every still usable link of *model* matching *where* (a newer one replaces them);
    return the moment they end, the new link's creation time."""
    moment = now()
    for older in session.exec(select(model).where(*where, col(model.used_at).is_(None))).all():
        if state_of(older, at=moment) is LinkState.VALID:
            older.expires_at = moment
            session.add(older)
    return moment


def use_once(session: Session, model, row_id: int) -> bool:
    """Mark the link row used, unless it is used or expired already; True when this call did.

    One conditional UPDATE: of two concurrent uses only one changes the row (PostgreSQL
    re-checks the condition after the first commits; SQLite runs writers one at a time).
    """
    moment = now()
    result = session.execute(
        update(model)
        .where(
            col(model.id) == row_id, col(model.used_at).is_(None), col(model.expires_at) > moment
        )
        .values(used_at=moment)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def render_link_mail(compose: Callable[[], Message], *, path: str, language: str) -> Rendered:
    """Render an invitation or reset e-mail (HTML and plain text) in *language*: *compose*
    words it under that locale; the notifications' layout, without the footer about
    notification choices."""
    link = absolute(path)
    with force_locale(language):
        message = compose()
        values = {"message": message, "link": link, "language": language, "preferences": None}
        text = render_template("notifications/message.txt", **values)
        html = render_template("notifications/message.html", **values)
    return Rendered(message.subject[:300], text, html, link)
