"""API test support: one bearer token per role in the test team, and a small JSON client.

Test modules import the fixtures they use (``from api_support import api, tokens``); this is
not a conftest.py, so ``from conftest import ...`` keeps meaning the suite's root conftest.
"""

from __future__ import annotations

import pytest

from hypotheses.domain.accounts import tokens as token_domain


@pytest.fixture
def tokens(app, db, team, users):
    """A plain token per role: tokens['lead'], tokens['viewer'], ..."""
    with app.test_request_context():
        return {
            role: token_domain.create_token(db, user=user, team=team, name=f"{role} token")[1]
            for role, user in users.items()
        }


class Api:
    """Call the API as a role (``as_=None`` sends no token)."""

    def __init__(self, client, tokens):
        self.client, self.tokens = client, tokens

    def call(self, method: str, path: str, as_: str | None = "lead", **kwargs):
        headers = dict(kwargs.pop("headers", {}) or {})
        if as_ is not None:
            headers["Authorization"] = f"Bearer {self.tokens.get(as_, as_)}"
        return self.client.open("/api/v1" + path, method=method, headers=headers, **kwargs)

    def get(self, path, as_="lead", **kw):
        return self.call("GET", path, as_, **kw)

    def post(self, path, as_="lead", **kw):
        return self.call("POST", path, as_, **kw)

    def put(self, path, as_="lead", **kw):
        return self.call("PUT", path, as_, **kw)

    def patch(self, path, as_="lead", **kw):
        return self.call("PATCH", path, as_, **kw)


@pytest.fixture
def api(client, tokens):
    return Api(client, tokens)


NEW = {
    "title": "Shorter lead form",
    "change": "Remove 3 of 7 fields",
    "audience": "Mobile visitors",
    "expected_effect": "+15% lead rate",
    "rationale": "Fewer fields, less friction",
    "stage": "lead",
    "lever": "conversion",
    "subject": "landing page",
    "impact": 8,
    "confidence": 5,
    "ease": 7,
}


@pytest.fixture
def new_hypothesis():
    return dict(NEW)


def fresh(db, obj):
    """Re-read *obj* from the database (after a request changed it).

    Ends the read transaction at once: every SQLite transaction here begins IMMEDIATE (it takes
    the write lock), so an open one would make the app's next request wait and fail.
    """
    db.expire_all()
    obj = db.get(type(obj), obj.id)
    db.commit()
    return obj


def rows(db, query):
    """Run a read query with the test session and end its transaction."""
    result = db.exec(query).all()
    db.commit()
    return result
