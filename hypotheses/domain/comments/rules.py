"""Who may comment, edit and delete, and what a comment may hold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask_babel import gettext as _

from hypotheses.domain.core.errors import DomainError
from hypotheses.enums import Role
from hypotheses.models import Comment, Team, User

MAX_BODY = 5000
EDIT_MINUTES = 15
KINDS = ("hypothesis", "experiment", "review")
MODERATORS = frozenset({Role.LEAD.value, Role.ADMIN.value})
WRITERS = frozenset({Role.MARKETER.value, Role.LEAD.value, Role.ADMIN.value})


def may_comment(team: Team, role: str | None) -> bool:
    """Marketers, leads and admins comment; viewers too when the team allows it."""
    if role in WRITERS:
        return True
    return role == Role.VIEWER.value and bool(team.viewers_may_comment)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def edit_deadline(comment: Comment) -> datetime:
    """The moment after which *comment* can no longer be edited."""
    return _aware(comment.created_at) + timedelta(minutes=EDIT_MINUTES)


def may_edit(comment: Comment, user: User, *, now: datetime | None = None) -> bool:
    """Only the author edits, within EDIT_MINUTES of posting."""
    now = now or datetime.now(UTC)
    return comment.author_id == user.id and now <= edit_deadline(comment)


def may_delete(comment: Comment, user: User, role: str | None) -> bool:
    """The author deletes their own comment at any time; leads and admins delete any."""
    return comment.author_id == user.id or role in MODERATORS


def clean_body(body: str | None) -> str:
    """Return the comment's text trimmed; refuse an empty or too long one."""
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise DomainError(_("Write something first."), field="body")
    if len(body) > MAX_BODY:
        raise DomainError(_("A comment holds at most %(n)d characters.", n=MAX_BODY), field="body")
    return body
