"""User accounts: creating, listing, editing, activating; one's interface language.

Two kinds of functions live here. Building blocks (create_user) only add to the session, so
several can form one transaction (first-run set-up, the CLI); their caller commits. Use cases
(whose docstring ends in "Commits.") validate, write the audit entry and commit once at the
end; on a refusal they raise a DomainError before changing anything. Memberships and roles:
memberships.py; passwords and sessions: credentials.py.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlmodel import Session, col, func, or_, select

from hypotheses.domain.accounts.credentials import end_sessions, new_session_token, normalise_email
from hypotheses.domain.accounts.memberships import (
    check_role,
    count_admins,
    is_admin_anywhere,
    set_membership,
)
from hypotheses.domain.accounts.passwords import (
    DEFAULT_HASH_METHOD,
    check_password_rules,
    hash_password,
)
from hypotheses.domain.core import audit
from hypotheses.domain.core.errors import Conflict, DomainError, NotFound
from hypotheses.domain.core.transaction import write_lock
from hypotheses.languages import LANGUAGES
from hypotheses.models import Membership, Team, User

MAX_NAME = 120
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def clean_email(session: Session, email: str, *, exclude_id: int | None = None) -> str:
    """Return the e-mail as stored; refuse a malformed one or one another user has."""
    email = normalise_email(email or "")
    if len(email) > 254 or not _EMAIL.match(email):
        raise DomainError(_("Enter a valid e-mail address, like name@example.com."), field="email")
    query = select(User.id).where(User.email == email)
    if exclude_id is not None:
        query = query.where(User.id != exclude_id)
    if session.exec(query).first() is not None:
        raise Conflict(_("A user with this e-mail already exists."), field="email")
    return email


def clean_name(name: str) -> str:
    """Return the person's name trimmed; refuse an empty or too long one."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Name is required."), field="name")
    if len(name) > MAX_NAME:
        raise DomainError(_("Use at most %(n)d characters.", n=MAX_NAME), field="name")
    return name


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
    name = clean_name(name)
    check_password_rules(password)
    password_hash = hash_password(password, hash_method)
    write_lock(session)
    email = clean_email(session, email)
    user = User(
        email=email,
        name=name,
        password_hash=password_hash,
        session_token=new_session_token(),
    )
    session.add(user)
    session.flush()
    return user


def audit_created(session: Session, user: User, *, actor: User | None, note: str | None = None):
    """Audit the creation of *user* (by *actor*), with their name and e-mail."""
    changes = audit.created({"name": user.name, "email": user.email})
    audit.log(session, "user", user, "user.create", actor, team_id=None, changes=changes, note=note)


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
    check_role(role)
    user = create_user(session, email=email, name=name, password=password, hash_method=hash_method)
    audit_created(session, user, actor=actor)
    set_membership(session, user=user, team=team, role=role, actor=actor)
    session.commit()
    return user


def update_user(session: Session, *, user: User, name: str, email: str, actor: User) -> dict:
    """Change a user's name and e-mail; return the audited diff. Commits."""
    write_lock(session)
    values = {"name": clean_name(name), "email": clean_email(session, email, exclude_id=user.id)}
    changes = audit.apply_changes(
        session, user, values, team_id=None, entity="user", action="user.edit", actor=actor
    )
    if changes:
        session.commit()
    return changes


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
    end_sessions(session, user)
    action = "user.activate" if active else "user.deactivate"
    changes = {"is_active": [not active, active]}
    audit.log(session, "user", user, action, actor, team_id=None, changes=changes)
    session.commit()


def set_language(session: Session, *, user: User, language: str | None) -> bool:
    """Set one's interface language ("ru", "en"; None follows the browser). Commits.

    Returns whether it changed.
    """
    if language is not None and language not in LANGUAGES:
        raise DomainError(_("Choose Russian, English or the browser's language."), field="language")
    changed = user.language != language
    if changed:
        user.language = language
        session.add(user)
        session.commit()
    return changed


def first_admin_needed(session: Session) -> bool:
    """Tell whether no user exists yet (the first visit creates the first admin)."""
    return session.exec(select(User.id)).first() is None
