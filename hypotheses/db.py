"""Engine and per-request Session handling, with SQLite made safe for several writers."""

from __future__ import annotations

from flask import Flask, current_app, g, has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, create_engine

from hypotheses import revision
from hypotheses.domain.core.transaction import DEFERRED, lock_now, release

ENGINE_KEY = "hypotheses.engine"
REQUEST_ENGINE_KEY = "hypotheses.request_engine"


def _unicode_lower(value):
    return value.lower() if isinstance(value, str) else value


def _sqlite_connect(dbapi_connection, _record) -> None:
    # Let SQLAlchemy, not pysqlite, emit BEGIN, so we can take the write lock at BEGIN.
    dbapi_connection.isolation_level = None
    # SQLite's built-in lower() folds ASCII only; text search must fold any script.
    dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(conn) -> None:
    # A request's transactions begin deferred: WAL lets them read beside a writer and beside
    # each other. A use case that writes takes the lock itself (transaction.write_lock); any
    # other write takes it just before writing (_lock_before_write). Everything else (the
    # CLI, migrations, tests' own sessions) begins IMMEDIATE: a deferred read->write upgrade
    # fails at once with "database is locked" and ignores busy_timeout.
    if conn.get_execution_options().get(DEFERRED):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _lock_before_write(session: Session, *_args) -> None:
    """A write no use case announced: take the write lock first (transaction.lock_now).

    The write then queues behind other writers (busy_timeout) instead of failing with
    "database is locked" on a stale snapshot; optimistic version checks still apply.
    """
    lock_now(session)


def _lock_before_dml(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        _lock_before_write(state.session)


def make_engine(url: str) -> Engine:
    """Create the engine for *url*, with SQLite pragmas and locking scoped to this engine."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    revision.watch(engine)
    return engine


class RequestSession(Session):
    """The Session of a request (SQLite): deferred transactions; the write lock is taken by a
    use case (transaction.write_lock) or else just before the first write, never earlier."""


event.listen(RequestSession, "before_flush", _lock_before_write)
event.listen(RequestSession, "do_orm_execute", _lock_before_dml)
event.listen(RequestSession, "after_transaction_end", release)


def init_app(app: Flask) -> None:
    """Bind an engine to *app* and register session teardown and the init-db command."""
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions[ENGINE_KEY] = engine
    # Same pool; its SQLite transactions begin deferred (see _sqlite_begin).
    app.extensions[REQUEST_ENGINE_KEY] = engine.execution_options(**{DEFERRED: True})
    app.teardown_appcontext(close_session)


def get_engine() -> Engine:
    """Return the current app's engine."""
    return current_app.extensions[ENGINE_KEY]


def get_session() -> Session:
    """Return the request's single Session, created on first use.

    On SQLite a request's transactions begin deferred, so reading, hashing a password,
    parsing a file and rendering neither wait for nor hold the write lock; a use case that
    writes takes it late and briefly (transaction.write_lock), any other write just before.
    """
    if "db_session" not in g:
        if has_request_context() and _is_sqlite():
            g.db_session = RequestSession(
                current_app.extensions[REQUEST_ENGINE_KEY], expire_on_commit=False
            )
        else:
            g.db_session = Session(get_engine(), expire_on_commit=False)
    return g.db_session


def _is_sqlite() -> bool:
    return get_engine().dialect.name == "sqlite"


def close_session(_exc: BaseException | None = None) -> None:
    """Close the request's Session, rolling back anything uncommitted."""
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def create_all(engine: Engine) -> None:
    """Create every table from the models (used by tests; deployments use Alembic)."""
    import hypotheses.models  # noqa: F401  (registers the tables)

    SQLModel.metadata.create_all(engine)


def is_postgres(engine: Engine) -> bool:
    """Tell whether *engine* talks to PostgreSQL."""
    return engine.dialect.name == "postgresql"
