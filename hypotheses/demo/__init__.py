"""The demo team: realistic data so a newcomer sees every screen filled in."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import delete, or_
from sqlmodel import Session, col, select

from hypotheses.demo import content_en
from hypotheses.demo.content import content_for
from hypotheses.domain.accounts.memberships import set_membership
from hypotheses.domain.accounts.users import create_user
from hypotheses.domain.reviews.metrics import seed_catalog
from hypotheses.models import AuditEntry, Team, User

DEMO_TEAM = content_en.TEAM  # the English demo's team; content_<language>.TEAM in general
LOGINS_FILE = "demo_logins.txt"
# One user per role; the e-mails are the same in every language, the names are in content_*.
DEMO_EMAILS = {
    "admin": "admin@demo.example",
    "lead": "lead@demo.example",
    "marketer": "marketer@demo.example",
    "viewer": "viewer@demo.example",
}


class DemoExists(Exception):
    """The demo team is already in the database."""


def saved_logins(instance_path: str | Path) -> list[tuple[str, str, str]]:
    """Return the demo logins (role, e-mail, password) written at load time."""
    path = Path(instance_path) / LOGINS_FILE
    if not path.exists():
        return []
    rows = [line.split("\t") for line in path.read_text().splitlines() if line.count("\t") == 2]
    return [(r[0], r[1], r[2]) for r in rows]


def language_from_environment(environ: Mapping[str, str] | None = None) -> str:
    """Return the demo language of this machine: "ru" when its messages locale is Russian.

    The messages locale is the first set of LC_ALL, LC_MESSAGES and LANG (POSIX order); GNU's
    LANGUAGE list, when set, comes first unless that locale is "C"/"POSIX". Anything but
    Russian ("ru", "ru_RU.UTF-8", ...) gives English.
    """
    environ = os.environ if environ is None else environ
    locale = next((environ[k] for k in ("LC_ALL", "LC_MESSAGES", "LANG") if environ.get(k)), "")
    preferred = (environ.get("LANGUAGE") or "").split(":")[0]
    if preferred and locale.split(".")[0] not in ("C", "POSIX"):
        locale = preferred
    return "ru" if locale.lower().startswith("ru") else "en"


def load_demo_if_empty(
    session: Session,
    *,
    instance_path: str | Path,
    hash_method: str | None = None,
    language: str = "en",
) -> bool:
    """Load the demo (in *language*) when the database has no user yet; return whether it did."""
    if session.exec(select(User.id)).first() is not None:
        return False
    load_demo(session, instance_path=instance_path, hash_method=hash_method, language=language)
    return True


def load_demo(
    session: Session,
    *,
    instance_path: str | Path,
    hash_method: str | None = None,
    language: str = "en",
) -> Team:
    """Create the demo team, one user per role (random passwords), and its data.

    *language* ("en", "ru") is the language of the demo's data and the metric catalog; a
    Russian demo team has Russian as its default language, so its users get it too. The
    English team keeps no default language (each user's browser decides).
    """
    words = content_for(language)  # ValueError for a language the demo does not speak
    if session.exec(select(Team).where(Team.name == words.TEAM)).first() is not None:
        raise DemoExists(
            _("The team “%(team)s” already exists; nothing was loaded.", team=words.TEAM)
        )
    from hypotheses.domain.accounts.passwords import DEFAULT_HASH_METHOD

    # What get_or_create_team does, with the team's language set before its catalog is seeded.
    team = Team(name=words.TEAM, default_language=None if language == "en" else language)
    session.add(team)
    session.flush()
    seed_catalog(session, team=team)
    people: dict[str, User] = {}
    lines = []
    for role, email in DEMO_EMAILS.items():
        name = words.PEOPLE[role]
        if session.exec(select(User).where(User.email == email)).first() is not None:
            raise DemoExists(_("A user %(email)s already exists; nothing was loaded.", email=email))
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
    from hypotheses.domain.notifications.events import muted

    try:
        # The area loaders go through the real domain functions, which commit as they go;
        # if one fails, remove what was loaded so a retry starts from an empty database.
        # Its history is not news: the notifications it made are dropped, not delivered.
        with muted(session):
            for loader in (backlog.load, experiments.load, reviews.load):
                loader(session, team=team, people=people)
        session.commit()
    except Exception:
        session.rollback()
        _remove_partial_demo(session, words.TEAM)
        raise
    path = Path(instance_path) / LOGINS_FILE
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)
    return team


def _remove_partial_demo(session: Session, team_name: str) -> None:
    """Delete the demo team (its rows cascade) and the demo users after a failed load."""
    emails = list(DEMO_EMAILS.values())
    user_ids = list(session.exec(select(User.id).where(col(User.email).in_(emails))).all())
    team = session.exec(select(Team).where(Team.name == team_name)).first()
    team_id = team.id if team else -1
    session.exec(
        delete(AuditEntry).where(
            or_(col(AuditEntry.actor_id).in_(user_ids), col(AuditEntry.team_id) == team_id)
        )
    )
    session.exec(delete(Team).where(col(Team.id) == team_id))
    session.exec(delete(User).where(col(User.id).in_(user_ids)))
    session.commit()
