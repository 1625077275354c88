"""Password resets by e-mail: "forgot password" sends a link valid once for one hour.

The request never tells whether the address has an account: the caller shows one answer
either way, and the same work (the e-mail rendered) is done either way.
"""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from sqlmodel import Session, select

from hypotheses.domain.accounts import links
from hypotheses.domain.accounts.credentials import normalise_email, store_password
from hypotheses.domain.accounts.hashed_tokens import new_token
from hypotheses.domain.accounts.invitations import LinkRefused
from hypotheses.domain.accounts.links import LinkState
from hypotheses.domain.accounts.passwords import (
    DEFAULT_HASH_METHOD,
    check_password_rules,
    hash_password,
)
from hypotheses.domain.core import audit
from hypotheses.domain.core.transaction import write_lock
from hypotheses.domain.notifications import outbox
from hypotheses.domain.notifications.messages import Message
from hypotheses.enums import NotificationEvent
from hypotheses.languages import LANGUAGES
from hypotheses.models import PasswordReset, User

VALID_MINUTES = 60
RESET_PATH = "/auth/reset/{token}"


def _compose() -> Message:
    return Message(
        _("Reset your Hypotheses password"),
        [
            _(
                "Someone, hopefully you, asked to reset the password of your Hypotheses "
                "account. Follow the link to choose a new one."
            ),
            _(
                "The link works once and expires in %(n)d minutes. If you did not ask for it, "
                "ignore this e-mail: your password stays as it is.",
                n=VALID_MINUTES,
            ),
        ],
        link_label=_("Choose a new password"),
    )


def request_reset(session: Session, *, email: str, language: str) -> None:
    """Queue a reset link to *email* when it belongs to an active account; otherwise do the
    same rendering and nothing else. Earlier unused links of the account stop working.
    Commits."""
    token, token_hash = new_token()
    address = normalise_email(email or "")[:254]
    write_lock(session)
    user = session.exec(select(User).where(User.email == address)).first()
    if user is not None and user.language in LANGUAGES:
        language = user.language
    mail = links.render_link_mail(_compose, path=RESET_PATH.format(token=token), language=language)
    if user is None or not user.is_active:
        session.rollback()
        return
    moment = links.expire_pending(session, PasswordReset, PasswordReset.user_id == user.id)
    reset = PasswordReset(
        user_id=user.id,
        token_hash=token_hash,
        created_at=moment,
        expires_at=moment + timedelta(minutes=VALID_MINUTES),
    )
    session.add(reset)
    session.flush()
    audit.log(session, "user", user, "user.reset_requested", None, team_id=None)
    dedupe_key = f"password_reset:{reset.id}"
    event = NotificationEvent.PASSWORD_RESET.value
    outbox.email_to(session, user, mail, event=event, team_id=None, dedupe_key=dedupe_key)
    session.commit()


def find(session: Session, token: str) -> tuple[PasswordReset | None, LinkState]:
    """Return the reset *token* opens (None if unknown) and whether it can be used; the link
    of a deactivated account counts as unknown."""
    row, state = links.find(session, PasswordReset, token)
    if row is not None:
        user = session.get(User, row.user_id)
        if user is None or not user.is_active:
            return None, LinkState.UNKNOWN
    return row, state


def complete_reset(
    session: Session, *, token: str, password: str, hash_method: str = DEFAULT_HASH_METHOD
) -> User:
    """Set the new password the link allows, use the link up and end every session of the
    account. Commits.

    :raises LinkRefused: the link is unknown, used, expired or replaced.
    :raises DomainError: the password is not acceptable (the link stays usable).
    """
    reset, state = find(session, token)
    if state is not LinkState.VALID:
        raise LinkRefused(state)
    check_password_rules(password)
    password_hash = hash_password(password, hash_method)
    write_lock(session)
    if not links.use_once(session, PasswordReset, reset.id):
        session.rollback()
        raise LinkRefused(links.state_of(session.get(PasswordReset, reset.id)))
    user = session.get(User, reset.user_id)
    store_password(session, user, password_hash, action="user.password_reset_link", actor=user)
    session.commit()
    return user
