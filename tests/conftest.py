"""Fixtures: a fresh app and database per test, on SQLite or (when configured) PostgreSQL.

Under pytest-xdist (``-n 2``) each worker has its own database on the PostgreSQL server
(``<name>_gw0``, ``<name>_gw1``; see ``_worker_url``), and its own tmp paths and compiled
templates; the browser tests share one worker and one Chromium (the ``browser`` xdist group).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import factories
import pytest
from flask.testing import FlaskClient
from sqlalchemy import make_url, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, SQLModel

from hypotheses import create_app
from hypotheses.db import ENGINE_KEY, create_all, make_engine

# Browser fixtures live in a plugin module, not in tests/browser/conftest.py: two modules
# named "conftest" would make `from conftest import ...` in test files ambiguous.
pytest_plugins = ["app_caches", "browser_fixtures", "helpers"]


def _worker_url(url: str | None) -> str | None:
    """The PostgreSQL database of this xdist worker: the configured one with the worker's id
    appended (created by _worker_database). Exported, so modules and the server processes
    some tests start, which read HYPOTHESES_TEST_DATABASE_URL, all use the worker's database."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    parsed = make_url(url)
    url = parsed.set(database=f"{parsed.database}_{worker}").render_as_string(hide_password=False)
    os.environ["HYPOTHESES_TEST_DATABASE_URL"] = url
    return url


BASE_PG_URL = os.environ.get("HYPOTHESES_TEST_DATABASE_URL")
PG_URL = _worker_url(BASE_PG_URL)
FAST_HASH = "pbkdf2:sha256:1000"  # tests only; the default config is checked separately
PASSWORD = factories.PASSWORD


def _table_names() -> list[str]:
    import hypotheses.models  # noqa: F401

    return [t.name for t in reversed(SQLModel.metadata.sorted_tables)]


@pytest.fixture(scope="session", autouse=True)
def _worker_database() -> None:
    """Create this xdist worker's PostgreSQL database afresh (nothing to do otherwise)."""
    if not PG_URL or PG_URL == BASE_PG_URL:
        return
    name = make_url(PG_URL).database
    engine = make_engine(BASE_PG_URL).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except DBAPIError as error:
        pytest.fail(
            f"cannot create {name} for this xdist worker ({error.orig}); the user needs CREATEDB"
            " on the server, or run in one process (-n 0 / HYPOTHESES_TEST_WORKERS=0)",
            pytrace=False,
        )
    finally:
        engine.dispose()


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(items):
    """Mark the statistics engine's own tests (``stats``: no app, no database; the PostgreSQL
    run leaves them out) before ``-m`` selects; then start with the long ones (the browser
    tests, then those marked slow), so that under -n 2 no long test starts last while the
    other worker idles."""
    for item in items:
        if item.path.name.startswith("test_stats_") and "_template_db" not in item.fixturenames:
            item.add_marker(pytest.mark.stats)
    result = yield
    items.sort(
        key=lambda item: (
            item.get_closest_marker("browser") is None,
            item.get_closest_marker("slow") is None,
        )
    )
    return result


@pytest.fixture(scope="session")
def _template_db(_worker_database, tmp_path_factory):
    """Build the schema once; each SQLite test copies this file, PostgreSQL reuses the schema."""
    if PG_URL:
        engine = make_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        create_all(engine)
        engine.dispose()
        yield None
        if "engine" in _pg_reset:
            _pg_reset.pop("engine").dispose()
        return
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    create_all(engine)
    engine.dispose()
    yield path


# This process's engine for emptying the PostgreSQL database between tests, and the statement.
_pg_reset: dict = {}


def _empty_postgresql() -> None:
    """Empty every table and restart every id sequence, as TRUNCATE ... RESTART IDENTITY would.

    DELETE in dependency order is much cheaper than TRUNCATE on tables this small (about 15
    against 120 ms per test here: TRUNCATE gives each of the ~20 tables new files).
    """
    if "engine" not in _pg_reset:
        _pg_reset["engine"] = make_engine(PG_URL)
    with _pg_reset["engine"].begin() as conn:
        if "sql" not in _pg_reset:
            sequences = conn.execute(
                text(
                    "SELECT format('%I.%I', schemaname, sequencename) FROM pg_sequences"
                    " WHERE schemaname = 'public'"
                )
            ).scalars()
            _pg_reset["sql"] = "; ".join(
                [f'DELETE FROM "{name}"' for name in _table_names()]
                + [f"ALTER SEQUENCE {name} RESTART" for name in sequences]
            )
        conn.exec_driver_sql(_pg_reset["sql"])


def database_url(tmp_path: Path, template: Path | None) -> str:
    """Return a fresh, empty database URL for one test."""
    if PG_URL:
        _empty_postgresql()
        return PG_URL
    path = tmp_path / "test.sqlite"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


def test_config(url: str, **overrides) -> dict:
    """Return the config mapping used by test apps."""
    from app_caches import bytecode_dir  # a plugin: imported by pytest first, then here

    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "WTF_CSRF_ENABLED": False,
        "DATABASE_URL": url,
        "PASSWORD_HASH_METHOD": FAST_HASH,
        "SERVER_NAME": None,
        "JINJA_BYTECODE_CACHE_DIR": bytecode_dir(),
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
