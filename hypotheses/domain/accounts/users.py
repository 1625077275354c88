"""Users, teams, memberships, passwords and sign-in throttling.

Two kinds of functions live here. Building blocks (create_user, get_or_create_team,
set_membership) only add to the session, so several can form one transaction (first-run
set-up, the CLI); their caller commits. Use cases (whose docstring ends in "Commits.")
validate, write the audit entry and commit once at the end; on a refusal they raise a
DomainError before changing anything.
"""

from __future__ import annotations

import re
import secrets

from flask_babel import gettext as _
from sqlmodel import Session, col, func, or_, select

from hypotheses.domain.accounts import passwords
from hypotheses.domain.accounts.passwords import (
    DEFAULT_HASH_METHOD,
    check_password_hash,
    check_password_rules,
    dummy_hash,
    hash_password,
)
from hypotheses.domain.core import audit
from hypotheses.domain.core.errors import Conflict, DomainError, NotFound
from hypotheses.domain.core.transaction import write_lock
from hypotheses.enums import Role
from hypotheses.languages import LANGUAGES
from hypotheses.models import Membership, Team, User

MAX_NAME = 120
ROLES = frozenset(r.value for r in Role)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def new_session_token() -> str:
    """Return a fresh random per-user session token."""
    return secrets.token_hex(16)


def normalise_email(email: str) -> str:
    """Return the e-mail trimmed and lower-cased, as stored."""
    return email.strip().lower()


def _clean_email(session: Session, email: str, *, exclude_id: int | None = None) -> str:
    email = normalise_email(email or "")
    if len(email) > 254 or not _EMAIL.match(email):
        raise DomainError(_("Enter a valid e-mail address, like name@example.com."), field="email")
    query = select(User.id).where(User.email == email)
    if exclude_id is not None:
        query = query.where(User.id != exclude_id)
    if session.exec(query).first() is not None:
        raise Conflict(_("A user with this e-mail already exists."), field="email")
    return email


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Name is required."), field="name")
    if len(name) > MAX_NAME:
        raise DomainError(_("Use at most %(n)d characters.", n=MAX_NAME), field="name")
    return name


def get_or_create_team(session: Session, name: str, language: str | None = None) -> Team:
    """Return the team called *name*, creating it (with its metric catalog) when missing.

    A new team has no default language yet, so its catalog's names are in *language* (the
    creating user's language: "ru", "en"); English when None."""
    name = name.strip()
    if not name:
        raise DomainError(_("Team name is required."), field="team")
    team = session.exec(select(Team).where(Team.name == name)).first()
    if team is None:
        team = Team(name=name)
        session.add(team)
        session.flush()
        from hypotheses.domain.reviews.metrics import seed_catalog

        seed_catalog(session, team=team, language=language)
    return team


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    password: str,
    hash_method: str = DEFAULT_HASH_METHOD,
) -> User:
    """Create an active user (not committed); refuse duplicates and weak passwords.

    The password is hashed (slow on purpose) before the write lock is taken."""
    name = _clean_name(name)
    check_password_rules(password)
    password_hash = hash_password(password, hash_method)
    write_lock(session)
    email = _clean_email(session, email)
    user = User(
        email=email,
        name=name,
        password_hash=password_hash,
        session_token=new_session_token(),
    )
    session.add(user)
    session.flush()
    return user


def _audit_user(
    session: Session,
    user: User,
    action: str,
    *,
    actor: User | None,
    team_id: int | None = None,
    changes: dict | None = None,
) -> None:
    audit.record(
        session,
        team_id=team_id,
        entity="user",
        entity_id=user.id,
        action=action,
        actor=actor,
        changes=changes,
    )


def _membership(session: Session, user: User, team: Team) -> Membership | None:
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


def set_membership(
    session: Session, *, user: User, team: Team, role: str, actor: User | None = None
) -> Membership:
    """Give *user* *role* in *team* (add or change; not committed).

    A role change rotates the user's session token, so their sessions end. A user added
    without an interface language of their own gets the team's default language.
    """
    if role not in ROLES:
        raise DomainError(_("Choose a role: admin, lead, marketer or viewer."), field="role")
    membership = _membership(session, user, team)
    if membership is None:
        membership = Membership(user_id=user.id, team_id=team.id, role=role)
        session.add(membership)
        action, changes = "membership.add", {"role": [None, role]}
        if user.language is None and team.default_language:  # the team's language for newcomers
            user.language = team.default_language
            session.add(user)
    elif membership.role != role:
        if membership.role == Role.ADMIN:
            _refuse_losing_last_admin(session, user, team)
        action, changes = "membership.role", {"role": [membership.role, role]}
        membership.role = role
        user.session_token = new_session_token()
        session.add(user)
    else:
        return membership
    _audit_user(session, user, action, actor=actor, team_id=team.id, changes=changes)
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
    membership = _membership(session, user, team)
    if membership is None:
        raise NotFound(_("This user is not a member of the team."))
    if membership.role == Role.ADMIN:
        _refuse_losing_last_admin(session, user, team)
    _audit_user(
        session,
        user,
        "membership.remove",
        actor=actor,
        team_id=team.id,
        changes={"role": [membership.role, None]},
    )
    session.delete(membership)
    user.session_token = new_session_token()
    session.add(user)
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


def get_user(session: Session, user_id: int) -> User:
    """Return the user or raise NotFound."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(_("This user does not exist."))
    return user


def list_users(
    session: Session, *, query: str = "", offset: int = 0, limit: int = 50
) -> tuple[list[tuple[User, list[tuple[Membership, Team]]]], int]:
    """Return one page of users by name, filtered by name or e-mail, and the total.

    Each user comes with their memberships and teams.
    """
    where = []
    if query.strip():
        text = query.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{text}%"
        where.append(
            or_(
                func.lower(User.name).like(like, escape="\\"),
                col(User.email).like(like, escape="\\"),
            )
        )
    total = session.exec(select(func.count(col(User.id))).where(*where)).one()
    users = session.exec(
        select(User)
        .where(*where)
        .order_by(func.lower(User.name), col(User.id))
        .offset(offset)
        .limit(limit)
    ).all()
    by_user: dict[int, list[tuple[Membership, Team]]] = {u.id: [] for u in users}
    if users:
        rows = session.exec(
            select(Membership, Team)
            .join(Team, col(Team.id) == col(Membership.team_id))
            .where(col(Membership.user_id).in_(list(by_user)))
            .order_by(Team.name)
        ).all()
        for membership, team in rows:
            by_user[membership.user_id].append((membership, team))
    return [(u, by_user[u.id]) for u in users], total


def add_user(
    session: Session,
    *,
    name: str,
    email: str,
    password: str,
    team: Team,
    role: str,
    actor: User,
    hash_method: str = DEFAULT_HASH_METHOD,
) -> User:
    """Create a user with a first membership (admin screen). Commits."""
    if role not in ROLES:
        raise DomainError(_("Choose a role: admin, lead, marketer or viewer."), field="role")
    user = create_user(session, email=email, name=name, password=password, hash_method=hash_method)
    _audit_user(
        session,
        user,
        "user.create",
        actor=actor,
        changes={"name": [None, user.name], "email": [None, user.email]},
    )
    set_membership(session, user=user, team=team, role=role, actor=actor)
    session.commit()
    return user


def update_user(session: Session, *, user: User, name: str, email: str, actor: User) -> dict:
    """Change a user's name and e-mail; return the audited diff. Commits."""
    write_lock(session)
    values = {"name": _clean_name(name), "email": _clean_email(session, email, exclude_id=user.id)}
    changes = audit.diff({"name": user.name, "email": user.email}, values)
    if changes:
        user.name, user.email = values["name"], values["email"]
        session.add(user)
        _audit_user(session, user, "user.edit", actor=actor, changes=changes)
        session.commit()
    return changes


def change_password(
    session: Session, *, user: User, current: str, new: str, hash_method: str = DEFAULT_HASH_METHOD
) -> None:
    """Change one's own password after checking the current one. Commits.

    The session token rotates, so every other session ends.
    """
    if not check_password_hash(user.password_hash, current):
        raise DomainError(_("The current password is not correct."), field="current_password")
    check_password_rules(new, field="new_password")
    user.password_hash = hash_password(new, hash_method)
    user.session_token = new_session_token()
    session.add(user)
    _audit_user(session, user, "user.password", actor=user)
    session.commit()


def reset_password(
    session: Session, *, user: User, new: str, actor: User, hash_method: str = DEFAULT_HASH_METHOD
) -> None:
    """Set a new password for *user* (admin); ends all their sessions. Commits."""
    check_password_rules(new, field="new_password")
    user.password_hash = hash_password(new, hash_method)
    user.session_token = new_session_token()
    session.add(user)
    _audit_user(session, user, "user.password_reset", actor=actor)
    session.commit()


def set_active(session: Session, *, user: User, active: bool, actor: User) -> None:
    """Activate or deactivate a user; deactivation ends their sessions. Commits."""
    write_lock(session)
    if user.is_active == active:
        return
    if not active and user.id == actor.id:
        raise Conflict(_("You cannot deactivate your own account."))
    if not active and is_admin_anywhere(session, user) and count_admins(session) <= 1:
        raise Conflict(_("This is the last admin; make someone else admin first."))
    user.is_active = active
    user.session_token = new_session_token()
    session.add(user)
    _audit_user(
        session,
        user,
        "user.activate" if active else "user.deactivate",
        actor=actor,
        changes={"is_active": [not active, active]},
    )
    session.commit()


def set_language(session: Session, *, user: User, language: str | None) -> bool:
    """Set one's interface language ("ru", "en"; None follows the browser). Commits.

    Returns whether it changed.
    """
    if language is not None and language not in LANGUAGES:
        raise DomainError(_("Choose Russian, English or the browser's language."), field="language")
    if user.language == language:
        return False
    user.language = language
    session.add(user)
    session.commit()
    return True


def sign_out_everywhere(session: Session, *, user: User) -> None:
    """Rotate the user's session token so every copy of every session cookie dies. Commits."""
    user.session_token = new_session_token()
    session.add(user)
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


def first_admin_needed(session: Session) -> bool:
    """Tell whether no user exists yet (the first visit creates the first admin)."""
    return session.exec(select(User.id)).first() is None
