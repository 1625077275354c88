"""The demo team: realistic data so a newcomer sees every screen filled in."""

from __future__ import annotations

import secrets
from pathlib import Path

from sqlalchemy import delete, or_
from sqlmodel import Session, col, select

from hypotheses.domain.accounts.users import create_user, get_or_create_team, set_membership
from hypotheses.models import AuditEntry, Team, User

DEMO_TEAM = "Demo growth team"
LOGINS_FILE = "demo_logins.txt"
DEMO_PEOPLE = [
    ("admin", "admin@demo.example", "Alex Admin"),
    ("lead", "lead@demo.example", "Lena Lead"),
    ("marketer", "marketer@demo.example", "Mark Marketer"),
    ("viewer", "viewer@demo.example", "Vera Viewer"),
]


class DemoExists(Exception):
    """The demo team is already in the database."""


def saved_logins(instance_path: str | Path) -> list[tuple[str, str, str]]:
    """Return the demo logins (role, e-mail, password) written at load time."""
    path = Path(instance_path) / LOGINS_FILE
    if not path.exists():
        return []
    rows = [line.split("\t") for line in path.read_text().splitlines() if line.count("\t") == 2]
    return [(r[0], r[1], r[2]) for r in rows]


def load_demo_if_empty(
    session: Session, *, instance_path: str | Path, hash_method: str | None = None
) -> bool:
    """Load the demo when the database has no user yet; return whether it loaded."""
    if session.exec(select(User.id)).first() is not None:
        return False
    load_demo(session, instance_path=instance_path, hash_method=hash_method)
    return True


def load_demo(
    session: Session, *, instance_path: str | Path, hash_method: str | None = None
) -> Team:
    """Create the demo team, one user per role (random passwords), and its data."""
    if session.exec(select(Team).where(Team.name == DEMO_TEAM)).first() is not None:
        raise DemoExists(f"The team {DEMO_TEAM!r} already exists; nothing was loaded.")
    from hypotheses.domain.accounts.passwords import DEFAULT_HASH_METHOD

    team = get_or_create_team(session, DEMO_TEAM)
    people: dict[str, User] = {}
    lines = []
    for role, email, name in DEMO_PEOPLE:
        if session.exec(select(User).where(User.email == email)).first() is not None:
            raise DemoExists(f"A user {email} already exists; nothing was loaded.")
        password = "demo-" + secrets.token_urlsafe(9)
        user = create_user(
            session,
            email=email,
            name=name,
            password=password,
            hash_method=hash_method or DEFAULT_HASH_METHOD,
        )
        set_membership(session, user=user, team=team, role=role)
        people[role] = user
        lines.append(f"{role}\t{email}\t{password}")
    from hypotheses.demo import backlog, experiments, reviews

    try:
        # The area loaders go through the real domain functions, which commit as they go;
        # if one fails, remove what was loaded so a retry starts from an empty database.
        for loader in (backlog.load, experiments.load, reviews.load):
            loader(session, team=team, people=people)
        session.commit()
    except Exception:
        session.rollback()
        _remove_partial_demo(session)
        raise
    path = Path(instance_path) / LOGINS_FILE
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)
    return team


def _remove_partial_demo(session: Session) -> None:
    """Delete the demo team (its rows cascade) and the demo users after a failed load."""
    emails = [email for _role, email, _name in DEMO_PEOPLE]
    user_ids = list(session.exec(select(User.id).where(col(User.email).in_(emails))).all())
    team = session.exec(select(Team).where(Team.name == DEMO_TEAM)).first()
    team_id = team.id if team else -1
    session.exec(
        delete(AuditEntry).where(
            or_(col(AuditEntry.actor_id).in_(user_ids), col(AuditEntry.team_id) == team_id)
        )
    )
    session.exec(delete(Team).where(col(Team.id) == team_id))
    session.exec(delete(User).where(col(User.id).in_(user_ids)))
    session.commit()
