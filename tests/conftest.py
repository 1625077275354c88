"""Fixtures: a fresh app and database per test, on SQLite or (when configured) PostgreSQL."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import factories
import pytest
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlmodel import Session, SQLModel

from hypotheses import create_app
from hypotheses.db import ENGINE_KEY, create_all, make_engine

# Browser fixtures live in a plugin module, not in tests/browser/conftest.py: two modules
# named "conftest" would make `from conftest import ...` in test files ambiguous.
pytest_plugins = ["browser_fixtures", "helpers"]

PG_URL = os.environ.get("HYPOTHESES_TEST_DATABASE_URL")
FAST_HASH = "pbkdf2:sha256:1000"  # tests only; the default config is checked separately
PASSWORD = factories.PASSWORD


def _table_names() -> list[str]:
    import hypotheses.models  # noqa: F401

    return [t.name for t in reversed(SQLModel.metadata.sorted_tables)]


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory) -> Path | None:
    """Build the schema once; each SQLite test copies this file, PostgreSQL reuses the schema."""
    if PG_URL:
        engine = make_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        create_all(engine)
        engine.dispose()
        return None
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    create_all(engine)
    engine.dispose()
    return path


def database_url(tmp_path: Path, template: Path | None) -> str:
    """Return a fresh, empty database URL for one test."""
    if PG_URL:
        engine = make_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(
                text(
                    "TRUNCATE "
                    + ", ".join(f'"{t}"' for t in _table_names())
                    + " RESTART IDENTITY CASCADE"
                )
            )
        engine.dispose()
        return PG_URL
    path = tmp_path / "test.sqlite"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


def test_config(url: str, **overrides) -> dict:
    """Return the config mapping used by test apps."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "WTF_CSRF_ENABLED": False,
        "DATABASE_URL": url,
        "PASSWORD_HASH_METHOD": FAST_HASH,
        "SERVER_NAME": None,
    }
    config.update(overrides)
    return config


class BufferedClient(FlaskClient):
    """A test client that reads every response whole and closes it.

    An unread file response (a static asset) would otherwise keep its file open until garbage
    collection, and the ResourceWarning then fails whichever test happens to run.
    """

    def open(self, *args, buffered: bool = True, **kwargs):
        return super().open(*args, buffered=buffered, **kwargs)


@pytest.fixture
def app(tmp_path, _template_db):
    app = create_app(
        test_config(database_url(tmp_path, _template_db)), instance_path=tmp_path / "instance"
    )
    app.test_client_class = BufferedClient
    yield app
    app.extensions[ENGINE_KEY].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db(app):
    """A Session independent of request contexts, for arranging and checking state."""
    with Session(app.extensions[ENGINE_KEY], expire_on_commit=False) as session:
        yield session


@pytest.fixture
def team(db):
    return factories.make_team(db)


@pytest.fixture
def users(db, team):
    """One user per role in *team*: users['lead'], users['marketer'], ..."""
    return {
        role: factories.make_user(db, team=team, role=role)
        for role in ("admin", "lead", "marketer", "viewer")
    }


class AuthActions:
    """Sign a test client in and out."""

    def __init__(self, client, users):
        self.client, self.users = client, users

    def login(self, role_or_user="marketer"):
        user = self.users[role_or_user] if isinstance(role_or_user, str) else role_or_user
        self.logout()
        response = self.client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302, response.data[:500]
        return user

    def logout(self):
        with self.client.session_transaction() as sess:
            sess.clear()


@pytest.fixture
def auth(client, users):
    return AuthActions(client, users)


def fresh(db: Session, obj):
    """Re-read *obj* from the database (after a request changed it)."""
    db.expire_all()
    return db.get(type(obj), obj.id)
