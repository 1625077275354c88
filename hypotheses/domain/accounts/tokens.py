"""API tokens: created and revoked by their owner, stored as a SHA-256 hash, one user in one team.

A token carries no role: the role is read from the user's Membership on every request, so a
role change takes effect at once, and a removed member's or a deactivated user's tokens stop
working. The plain token is returned once, at creation, and never stored.

Use cases (create_token, revoke_token) validate, write an audit entry and commit once.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from sqlmodel import Session, col, select

from hypotheses.domain.accounts.hashed_tokens import hash_token, new_token, worth_looking_up
from hypotheses.domain.accounts.memberships import membership_of
from hypotheses.domain.core import audit
from hypotheses.domain.core.errors import Conflict, DomainError, NotFound
from hypotheses.domain.core.transaction import write_lock
from hypotheses.models import ApiToken, Membership, Team, User, utcnow

PREFIX = "hyp_"
MAX_NAME = 120
MAX_ACTIVE_PER_USER = 20
# last_used_at is written at most this often per token, so reads do not all become writes.
TOUCH_EVERY = timedelta(minutes=1)
ENTITY = "api_token"


def create_token(
    session: Session, *, user: User, team: Team, name: str = "", actor: User | None = None
) -> tuple[ApiToken, str]:
    """Create a token acting for *user* in *team*; return it with the plain token (shown once).

    Commits.
    """
    write_lock(session)
    name = (name or "").strip()
    if len(name) > MAX_NAME:
        raise DomainError(_("Use at most %(n)d characters.", n=MAX_NAME), field="name")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise DomainError(_("Remove control characters from this field."), field="name")
    if not user.is_active:
        raise Conflict(_("This user is deactivated; a token cannot be created for them."))
    if membership_of(session, user, team) is None:
        raise Conflict(
            _("This user is not a member of team %(team)s.", team=team.name), field="team"
        )
    active = session.exec(
        select(ApiToken.id).where(ApiToken.user_id == user.id, col(ApiToken.revoked_at).is_(None))
    ).all()
    if len(active) >= MAX_ACTIVE_PER_USER:
        raise Conflict(
            _(
                "You already have %(n)d active tokens; revoke one you no longer use.",
                n=MAX_ACTIVE_PER_USER,
            )
        )
    raw, token_hash = new_token(PREFIX)
    token = ApiToken(
        user_id=user.id,
        team_id=team.id,
        name=name or _("API token"),
        token_hash=token_hash,
        prefix=raw[: len(PREFIX) + 6],
    )
    audit.record_new(
        session,
        token,
        team_id=team.id,
        entity=ENTITY,
        action="token.create",
        actor=actor or user,
        values={"name": token.name, "user_id": user.id},
    )
    session.commit()
    return token, raw


def list_tokens(session: Session, *, user: User) -> list[tuple[ApiToken, Team]]:
    """Return the user's tokens with their teams, active first, newest first."""
    rows = session.exec(
        select(ApiToken, Team)
        .join(Team, col(Team.id) == col(ApiToken.team_id))
        .where(ApiToken.user_id == user.id)
        .order_by(
            col(ApiToken.revoked_at).is_not(None),
            col(ApiToken.created_at).desc(),
            col(ApiToken.id).desc(),
        )
    ).all()
    return [(token, team) for token, team in rows]


def revoke_token(session: Session, *, user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens (revoking twice changes nothing). Commits."""
    write_lock(session)
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound(_("There is no such token among yours."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.add(token)
        audit.log(session, ENTITY, token, "token.revoke", user, changes={"revoked": [False, True]})
        session.commit()
    return token


@dataclass
class TokenIdentity:
    """Who a valid token acts for: the user, the team and the role read from the membership."""

    token: ApiToken
    user: User
    team: Team
    role: str


def authenticate(session: Session, raw: str) -> TokenIdentity | None:
    """Return the identity behind a plain token, or None for an unknown, revoked or orphaned one.

    A deactivated user or a user no longer in the token's team gets None. Updates
    ``last_used_at`` (at most once a minute; commits only then).
    """
    if not worth_looking_up(raw, PREFIX):
        return None
    digest = hash_token(raw)
    # One query: the token with its user, team and the user's membership of that team.
    row = session.exec(
        select(ApiToken, User, Team, Membership.role)
        .join(User, col(User.id) == col(ApiToken.user_id))
        .join(Team, col(Team.id) == col(ApiToken.team_id))
        .join(
            Membership,
            (col(Membership.user_id) == col(User.id)) & (col(Membership.team_id) == col(Team.id)),
        )
        .where(
            ApiToken.token_hash == digest,
            col(ApiToken.revoked_at).is_(None),
            col(User.is_active).is_(True),
        )
    ).first()
    if row is None or not hmac.compare_digest(row[0].token_hash, digest):
        return None
    token, user, team, role = row
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        token.last_used_at = now
        session.add(token)
        session.commit()
    return TokenIdentity(token=token, user=user, team=team, role=role)
