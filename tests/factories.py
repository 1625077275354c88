"""Factories for tests: small, explicit builders with sensible defaults."""

from __future__ import annotations

import itertools

from sqlmodel import Session

from hypotheses.domain.accounts import get_or_create_team, hash_password, new_session_token
from hypotheses.models import Hypothesis, Membership, Team, User

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


def make_team(session: Session, name: str = "Test team", **settings) -> Team:
    team = get_or_create_team(session, name)
    for key, value in settings.items():
        setattr(team, key, value)
    session.commit()
    return team


def make_user(session: Session, *, team: Team | None = None, role: str = "marketer",
              email: str | None = None, name: str | None = None) -> User:
    n = next(_seq)
    user = User(
        email=email or f"{role}{n}@example.com",
        name=name or f"{role.title()} {n}",
        password_hash=hash_password(PASSWORD, "pbkdf2:sha256:1000"),
        session_token=new_session_token(),
    )
    session.add(user)
    session.flush()
    if team is not None:
        session.add(Membership(user_id=user.id, team_id=team.id, role=role))
    session.commit()
    return user


def make_hypothesis(session: Session, *, team: Team, author: User | None = None, **overrides) -> Hypothesis:
    n = next(_seq)
    values = dict(
        title=f"Hypothesis {n}",
        change="Shorter form",
        audience="All visitors",
        expected_effect="+10% leads",
        rationale="Fewer fields, less friction",
        stage="lead",
        lever="conversion",
        subject="landing page",
        impact=5,
        confidence=5,
        ease=5,
        status="backlog",
        created_by_id=author.id if author else None,
        owner_id=author.id if author else None,
    )
    values.update(overrides)
    hypothesis = Hypothesis(team_id=team.id, **values)
    session.add(hypothesis)
    session.commit()
    return hypothesis
