"""Engine and per-request Session handling, with SQLite made safe for several writers."""

from __future__ import annotations

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, create_engine

ENGINE_KEY = "hypotheses.engine"
READ_ENGINE_KEY = "hypotheses.read_engine"
# Execution option marking a connection whose SQLite transactions begin deferred (reads).
DEFERRED = "hypotheses_deferred_begin"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


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
    # BEGIN IMMEDIATE: a deferred read->write upgrade fails at once with "database is
    # locked" and ignores busy_timeout; taking the lock at BEGIN makes writers queue.
    # Read requests (GET, HEAD) begin deferred instead: WAL lets them run beside a writer
    # and beside each other; a write inside one takes the lock first (_lock_before_write).
    if conn.get_execution_options().get(DEFERRED):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _lock_before_write(session: Session, *_args) -> None:
    """A write in a read request: end the read snapshot, then take the write lock at once.

    The write then queues behind other writers (busy_timeout) instead of failing with
    "database is locked" on a stale snapshot; optimistic version checks still apply.
    """
    if session.info.get("locked"):
        return
    conn = session.connection()
    if conn.get_execution_options().get(DEFERRED):
        conn.exec_driver_sql("COMMIT")
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    session.info["locked"] = True


def _lock_before_dml(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        _lock_before_write(state.session)


def _unlock(session: Session, *_args) -> None:
    session.info.pop("locked", None)


def make_engine(url: str) -> Engine:
    """Create the engine for *url*, with SQLite pragmas and locking scoped to this engine."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    return engine


class ReadSession(Session):
    """The Session of a read request (SQLite): deferred transactions, locked before a write."""


event.listen(ReadSession, "before_flush", _lock_before_write)
event.listen(ReadSession, "do_orm_execute", _lock_before_dml)
event.listen(ReadSession, "after_transaction_end", _unlock)


def init_app(app: Flask) -> None:
    """Bind an engine to *app* and register session teardown and the init-db command."""
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions[ENGINE_KEY] = engine
    # Same pool; its SQLite transactions begin deferred (see _sqlite_begin).
    app.extensions[READ_ENGINE_KEY] = engine.execution_options(**{DEFERRED: True})
    app.teardown_appcontext(close_session)


def get_engine() -> Engine:
    """Return the current app's engine."""
    return current_app.extensions[ENGINE_KEY]


def get_session() -> Session:
    """Return the request's single Session, created on first use.

    GET and HEAD requests read: on SQLite their transactions begin deferred, so they neither
    wait for nor hold the write lock; should one write after all, it takes the lock first.
    """
    if "db_session" not in g:
        if has_request_context() and request.method in READ_METHODS and _is_sqlite():
            g.db_session = ReadSession(
                current_app.extensions[READ_ENGINE_KEY], expire_on_commit=False
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
