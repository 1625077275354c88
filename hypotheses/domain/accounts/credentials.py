"""Signing in and one's password: checking credentials, changing and resetting passwords, and
ending a user's sessions (each session cookie carries the user's session token).

Use cases (whose docstring ends in "Commits.") validate, write the audit entry and commit once.
"""

from __future__ import annotations

import secrets

from flask_babel import gettext as _
from sqlmodel import Session, select

from hypotheses.domain.accounts import passwords
from hypotheses.domain.accounts.passwords import (
    DEFAULT_HASH_METHOD,
    check_password_hash,
    check_password_rules,
    dummy_hash,
    hash_password,
)
from hypotheses.domain.core import audit
from hypotheses.domain.core.errors import DomainError
from hypotheses.models import User


def new_session_token() -> str:
    """Return a fresh random per-user session token."""
    return secrets.token_hex(16)


def normalise_email(email: str) -> str:
    """Return the e-mail trimmed and lower-cased, as stored."""
    return email.strip().lower()


def end_sessions(session: Session, user: User) -> None:
    """Rotate *user*'s session token (not committed): every copy of every session cookie dies."""
    user.session_token = new_session_token()
    session.add(user)


def store_password(
    session: Session, user: User, password_hash: str, *, action: str, actor: User | None
) -> None:
    """Give *user* the new *password_hash*, end their sessions and audit *action* (not
    committed)."""
    user.password_hash = password_hash
    end_sessions(session, user)
    audit.log(session, "user", user, action, actor, team_id=None)


def _replace_password(
    session: Session, user: User, new: str, hash_method: str, *, action: str, actor: User
) -> None:
    check_password_rules(new, field="new_password")
    store_password(session, user, hash_password(new, hash_method), action=action, actor=actor)
    session.commit()


def change_password(
    session: Session, *, user: User, current: str, new: str, hash_method: str = DEFAULT_HASH_METHOD
) -> None:
    """Change one's own password after checking the current one. Commits.

    The session token rotates, so every other session ends.
    """
    if not check_password_hash(user.password_hash, current):
        raise DomainError(_("The current password is not correct."), field="current_password")
    _replace_password(session, user, new, hash_method, action="user.password", actor=user)


def reset_password(
    session: Session, *, user: User, new: str, actor: User, hash_method: str = DEFAULT_HASH_METHOD
) -> None:
    """Set a new password for *user* (admin); ends all their sessions. Commits."""
    _replace_password(session, user, new, hash_method, action="user.password_reset", actor=actor)


def sign_out_everywhere(session: Session, *, user: User) -> None:
    """Rotate the user's session token so every copy of every session cookie dies. Commits."""
    end_sessions(session, user)
    session.commit()


def authenticate(
    session: Session, *, email: str, password: str, hash_method: str = DEFAULT_HASH_METHOD
) -> User | None:
    """Return the active user with these credentials, or None."""
    user = session.exec(select(User).where(User.email == normalise_email(email))).first()
    if user is None:
        # Spend comparable time so response timing does not reveal which e-mails exist.
        check_password_hash(dummy_hash(hash_method), password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.is_active:
        return None
    return user


def needs_rehash(user: User, method: str) -> bool:
    """Tell whether the user's hash uses another algorithm or other costs than *method*."""
    return passwords.needs_rehash(user.password_hash, method)
