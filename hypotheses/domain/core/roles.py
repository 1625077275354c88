"""The actor's role in a team, asked inside the use cases against the one permission table
(``hypotheses.permissions``): the routes check the same permissions first."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlmodel import Session, select

from hypotheses.domain.core.errors import Forbidden
from hypotheses.models import Membership, Team, User
from hypotheses.permissions import role_can


def role_of(session: Session, *, team: Team, user: User | None) -> str | None:
    """Return *user*'s role in *team* (None for no one or a non-member)."""
    if user is None:
        return None
    return session.exec(
        select(Membership.role).where(Membership.team_id == team.id, Membership.user_id == user.id)
    ).first()


def require_permission(session: Session, permission: str, *, team: Team, actor: User | None) -> str:
    """Return *actor*'s role in *team*; Forbidden when it does not hold *permission*.

    No actor (None) and a non-member hold no role, so they are refused like a viewer.
    """
    role = role_of(session, team=team, user=actor)
    if not role_can(role, permission):
        raise Forbidden(_("Your role in this team does not allow this."))
    return role  # type: ignore[return-value]  # role_can refuses None
