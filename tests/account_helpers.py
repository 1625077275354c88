"""Helpers shared by the sign-in, session and admin web tests."""

from __future__ import annotations

import re
from types import SimpleNamespace

import factories
from sqlmodel import Session, select

from hypotheses.models import Membership

PASSWORD = factories.PASSWORD


def login(client, user_or_email, password=PASSWORD, next_url=None):
    """Post the sign-in form; return the response."""
    email = getattr(user_or_email, "email", user_or_email)
    url = "/auth/login" + (f"?next={next_url}" if next_url is not None else "")
    return client.post(url, data={"email": email, "password": password})


def signed_in(client) -> bool:
    """Tell whether the client's cookie still signs it in (the profile needs a signed-in user)."""
    response = client.get("/auth/profile")
    if response.status_code == 302:
        assert "/auth/login" in response.headers["Location"]
        return False
    assert response.status_code == 200
    return True


def cookie_of(client) -> str:
    return client.get_cookie("session").value


def now_row(db, obj) -> SimpleNamespace:
    """Read *obj*'s current row in a short session of its own.

    A read in the long-lived fixture session would keep a transaction open, and on SQLite
    (BEGIN IMMEDIATE) that holds the write lock the next request needs.
    """
    with Session(db.get_bind()) as short:
        return SimpleNamespace(**short.get(type(obj), obj.id).model_dump())


def all_rows(db, query) -> list:
    """Run *query* in a short session; the rows stay readable after it closes."""
    with Session(db.get_bind(), expire_on_commit=False) as short:
        return list(short.exec(query).all())


def role_of(db, user, team) -> str | None:
    """Return *user*'s role in *team* (None when not a member)."""
    rows = all_rows(
        db, select(Membership).where(Membership.user_id == user.id, Membership.team_id == team.id)
    )
    return rows[0].role if rows else None


def tag(html: str, marker: str, element: str = "input") -> str:
    """Return the first <element ...> tag of *html* that contains *marker*."""
    for found in re.findall(rf"<{element}\b[^>]*>", html):
        if marker in found:
            return found
    raise AssertionError(f"no <{element}> with {marker}")
