"""Engine and per-request Session handling, with SQLite made safe for several writers."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, create_engine

ENGINE_KEY = "hypotheses.engine"


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
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    """Create the engine for *url*, with SQLite pragmas and locking scoped to this engine."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    return engine


def init_app(app: Flask) -> None:
    """Bind an engine to *app* and register session teardown and the init-db command."""
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions[ENGINE_KEY] = engine
    app.teardown_appcontext(close_session)


def get_engine() -> Engine:
    """Return the current app's engine."""
    return current_app.extensions[ENGINE_KEY]


def get_session() -> Session:
    """Return the request's single Session, created on first use."""
    if "db_session" not in g:
        g.db_session = Session(get_engine(), expire_on_commit=False)
    return g.db_session


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
