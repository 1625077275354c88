"""One-time links (invitations, password resets): a random token in the link, its SHA-256 in
the database, so a copy of the database opens no account. The e-mails they travel in."""

from __future__ import annotations

import enum
import hashlib
import secrets
from collections.abc import Callable
from datetime import UTC, datetime

from flask import render_template
from flask_babel import force_locale
from sqlalchemy import update
from sqlmodel import Session, col

from hypotheses.domain.notifications.messages import Message
from hypotheses.domain.notifications.render import Rendered, absolute


class LinkState(enum.Enum):
    """What a link's token finds."""

    VALID = "valid"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"


def new_token() -> tuple[str, str]:
    """Return a fresh random token (43 URL-safe characters) and its stored hash."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    """Return the SHA-256 hex digest stored for *token*."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


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
