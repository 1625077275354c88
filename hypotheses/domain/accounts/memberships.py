"""Who belongs to which team with which role, keeping at least one admin.

set_membership is a building block (it only adds to the session, so first-run set-up and the
CLI can make one transaction of several); save_membership and remove_membership are use cases
that validate, write the audit entry and commit once.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlmodel import Session, col, func, select

from hypotheses.domain.accounts.credentials import end_sessions
from hypotheses.domain.core import audit
from hypotheses.domain.core.errors import Conflict, DomainError, NotFound
from hypotheses.domain.core.transaction import write_lock
from hypotheses.enums import Role
from hypotheses.models import Membership, Team, User

ROLES = frozenset(r.value for r in Role)


def check_role(role: str | None, field: str = "role") -> None:
    """Refuse a role that is not admin, lead, marketer or viewer (the message by *field*)."""
    if role not in ROLES:
        raise DomainError(_("Choose a role: admin, lead, marketer or viewer."), field=field)


def membership_of(session: Session, user: User, team: Team) -> Membership | None:
    """Return *user*'s membership of *team*, or None."""
    return session.exec(
        select(Membership).where(Membership.user_id == user.id, Membership.team_id == team.id)
    ).first()


def _admin_elsewhere(session: Session, user: User, team: Team) -> bool:
    query = select(Membership.id).where(
        Membership.user_id == user.id, Membership.team_id != team.id, Membership.role == Role.ADMIN
    )
    return session.exec(query).first() is not None


def _refuse_losing_last_admin(session: Session, user: User, team: Team) -> None:
    """Refuse a change that takes *user*'s admin role in *team* away from the last admin."""
    if user.is_active and not _admin_elsewhere(session, user, team) and count_admins(session) <= 1:
        raise Conflict(_("This is the last admin; make someone else admin first."), field="role")


def _audit(session: Session, user: User, team: Team, action: str, actor, old, new) -> None:
    changes = {"role": [old, new]}
    audit.log(session, "user", user, action, actor, team_id=team.id, changes=changes)


def set_membership(
    session: Session, *, user: User, team: Team, role: str, actor: User | None = None
) -> Membership:
    """Give *user* *role* in *team* (add or change; not committed).

    A role change rotates the user's session token, so their sessions end. A user added
    without an interface language of their own gets the team's default language.
    """
    check_role(role)
    membership = membership_of(session, user, team)
    if membership is None:
        membership = Membership(user_id=user.id, team_id=team.id, role=role)
        session.add(membership)
        if user.language is None and team.default_language:  # the team's language for newcomers
            user.language = team.default_language
            session.add(user)
        _audit(session, user, team, "membership.add", actor, None, role)
    elif membership.role != role:
        if membership.role == Role.ADMIN:
            _refuse_losing_last_admin(session, user, team)
        _audit(session, user, team, "membership.role", actor, membership.role, role)
        membership.role = role
        end_sessions(session, user)
    return membership


def save_membership(
    session: Session, *, user: User, team: Team, role: str, actor: User
) -> Membership:
    """Add *user* to *team* with *role*, or change their role there. Commits."""
    write_lock(session)
    membership = set_membership(session, user=user, team=team, role=role, actor=actor)
    session.commit()
    return membership


def remove_membership(session: Session, *, user: User, team: Team, actor: User) -> None:
    """Take *user* out of *team*, keeping at least one admin; ends their sessions. Commits."""
    write_lock(session)
    membership = membership_of(session, user, team)
    if membership is None:
        raise NotFound(_("This user is not a member of the team."))
    if membership.role == Role.ADMIN:
        _refuse_losing_last_admin(session, user, team)
    _audit(session, user, team, "membership.remove", actor, membership.role, None)
    session.delete(membership)
    end_sessions(session, user)
    session.commit()


def count_admins(session: Session) -> int:
    """Count active users holding the admin role in any team."""
    return session.exec(
        select(func.count(func.distinct(Membership.user_id)))
        .join(User, col(User.id) == col(Membership.user_id))
        .where(Membership.role == Role.ADMIN, col(User.is_active).is_(True))
    ).one()


def is_admin_anywhere(session: Session, user: User) -> bool:
    """Tell whether *user* is admin in at least one team."""
    query = select(Membership.id).where(
        Membership.user_id == user.id, Membership.role == Role.ADMIN
    )
    return session.exec(query).first() is not None


def memberships_of(session: Session, user: User) -> list[tuple[Membership, Team]]:
    """Return the user's memberships with their teams, by team name."""
    rows = session.exec(
        select(Membership, Team)
        .join(Team, col(Team.id) == col(Membership.team_id))
        .where(Membership.user_id == user.id)
        .order_by(Team.name)
    ).all()
    return [(m, t) for m, t in rows]
