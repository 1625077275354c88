"""Running one read-only query on a data source, with a statement timeout and a row limit.

Kinds of source (what the connection field holds):

* ``postgresql``: a URL ``postgresql://user:password@host:5432/db``; each run is a
  ``SET TRANSACTION READ ONLY`` transaction with ``SET LOCAL statement_timeout``, rolled back.
* ``clickhouse``: a URL ``clickhouse://user:password@host:8123/db`` (clickhouse-connect);
  ``chdb``: the data folder of an embedded ClickHouse (chDB). The query carries
  ``SETTINGS readonly = 1, max_execution_time, max_result_rows`` (module ``clickhouse``).
* ``duckdb``: a DuckDB database file, opened with ``read_only=True``; ``files``: a folder of
  Parquet/CSV files, each a view named after the file in an in-memory DuckDB. Neither may read
  files outside its folder; a timer interrupts a query past the timeout.
* ``sqlalchemy``: any other SQLAlchemy URL whose driver the deployment installed (BigQuery,
  Snowflake...): run in a transaction that is rolled back; give it a read-only role.

Queries name their parameters ``:name``; a run binds them as the engine's own parameters
(never formatted into the SQL). Failures raise SourceError with the engine's own message
(the errors, the result and what every run shares: module ``running``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from hypotheses.domain.sources import clickhouse
from hypotheses.domain.sources.running import (
    Result,
    SourceError,
    engine_message,
    interrupt_after,
    limited,
    local_path,
    placeholders,
    timeout_error,
)

KINDS: dict[str, Any] = {
    "postgresql": _l("PostgreSQL"),
    "clickhouse": _l("ClickHouse server"),
    "chdb": _l("ClickHouse, embedded (chDB)"),
    "duckdb": _l("DuckDB file"),
    "files": _l("Parquet/CSV folder (DuckDB)"),
    "sqlalchemy": _l("Other SQLAlchemy URL"),
}
FILE_SUFFIXES = {".parquet": "read_parquet", ".csv": "read_csv_auto", ".tsv": "read_csv_auto"}


def dialect_of(kind: str, target: str = "") -> str:
    """The SQL dialect of a source: postgresql, clickhouse, duckdb, bigquery, snowflake, ansi."""
    if kind in ("clickhouse", "chdb"):
        return "clickhouse"
    if kind in ("duckdb", "files"):
        return "duckdb"
    if kind == "postgresql":
        return "postgresql"
    name = target.split(":", 1)[0].split("+", 1)[0].lower()
    known = {"postgresql", "postgres", "redshift", "clickhouse", "duckdb", "bigquery", "snowflake"}
    if name in known:
        return {"postgres": "postgresql", "redshift": "postgresql"}.get(name, name)
    return "ansi"


def _run_sqlalchemy(
    kind: str, target: str, sql: str, params: dict[str, Any], timeout: float, max_rows: int
) -> Result:
    import sqlalchemy as sa

    url = sa.make_url(target)
    if kind == "postgresql":
        if url.get_backend_name() != "postgresql":
            raise SourceError(_("A PostgreSQL source needs a postgresql:// URL."))
        url = url.set(drivername="postgresql+psycopg")
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    started = time.monotonic()
    try:
        with engine.connect() as conn:
            trans = conn.begin()
            try:
                if url.get_backend_name() == "postgresql":
                    conn.exec_driver_sql("SET TRANSACTION READ ONLY")
                    conn.exec_driver_sql(f"SET LOCAL statement_timeout = {int(timeout * 1000)}")
                result = conn.execute(sa.text(sql), params)
                columns = list(result.keys())
                rows = limited(result, max_rows)
            finally:
                trans.rollback()
    except sa.exc.DBAPIError as error:
        if "statement timeout" in str(error.orig) or "QueryCanceled" in type(error.orig).__name__:
            raise timeout_error(timeout) from None
        raise SourceError(engine_message(error)) from None
    except sa.exc.SQLAlchemyError as error:
        raise SourceError(engine_message(error)) from None
    finally:
        engine.dispose()
    return Result(columns, rows, time.monotonic() - started)


def _duckdb_connection(kind: str, target: str):
    import duckdb

    path = local_path(target)
    if kind == "duckdb":
        if not path.is_file():
            raise SourceError(_("There is no DuckDB file at %(path)s.", path=str(path)))
        conn = duckdb.connect(str(path), read_only=True)
        folder = path.parent
    else:
        if not path.is_dir():
            raise SourceError(_("There is no folder at %(path)s.", path=str(path)))
        conn = duckdb.connect(":memory:")
        for file in sorted(path.iterdir()):
            reader = FILE_SUFFIXES.get(file.suffix.lower())
            if reader and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", file.stem):
                literal = str(file).replace("'", "''")
                conn.execute(f"CREATE VIEW \"{file.stem}\" AS SELECT * FROM {reader}('{literal}')")
        folder = path
    allowed = str(folder.resolve()).replace("'", "''") + "/"
    conn.execute(f"SET allowed_directories = ['{allowed}']")
    conn.execute("SET enable_external_access = false")
    conn.execute("SET lock_configuration = true")
    return conn


def _run_duckdb(
    kind: str, target: str, sql: str, params: dict[str, Any], timeout: float, max_rows: int
) -> Result:
    import duckdb

    started = time.monotonic()
    try:
        conn = _duckdb_connection(kind, target)
    except duckdb.Error as error:
        raise SourceError(engine_message(error)) from None
    try:
        with interrupt_after(timeout, conn.interrupt) as fired:
            try:
                cursor = conn.execute(placeholders(sql, params, "duckdb"), params)
                columns = [d[0] for d in cursor.description or []]
                rows = limited(_fetch_all(cursor), max_rows)
            except duckdb.Error as error:
                if fired.is_set():
                    raise timeout_error(timeout) from None
                raise SourceError(engine_message(error)) from None
    finally:
        conn.close()
    return Result(columns, rows, time.monotonic() - started)


def _fetch_all(cursor: Any) -> Iterator[tuple]:
    while chunk := cursor.fetchmany(1000):
        yield from chunk


def strip_statement(sql: str) -> str:
    """The query text without trailing semicolons; SourceError for more than one statement."""
    text = (sql or "").strip().rstrip(";").strip()
    if not text:
        raise SourceError(_("The query is empty."))
    if ";" in text:
        raise SourceError(_("Give one SELECT statement, without semicolons inside."))
    return text


def run_query(
    kind: str,
    target: str,
    sql: str,
    params: dict[str, Any] | None = None,
    *,
    timeout: float = 30,
    max_rows: int = 1000,
) -> Result:
    """Run one read-only SELECT on the source and return its rows (at most *max_rows*)."""
    sql = strip_statement(sql)
    # bind only the names the query uses (DuckDB refuses unused ones)
    params = {
        k: v for k, v in (params or {}).items() if re.search(rf"(?<![:\w]):{re.escape(k)}\b", sql)
    }
    if kind in ("postgresql", "sqlalchemy"):
        return _run_sqlalchemy(kind, target, sql, params, timeout, max_rows)
    if kind in ("duckdb", "files"):
        return _run_duckdb(kind, target, sql, params, timeout, max_rows)
    if kind == "chdb":
        return clickhouse.run_chdb(target, sql, params, timeout, max_rows)
    if kind == "clickhouse":
        return clickhouse.run_clickhouse(target, sql, params, timeout, max_rows)
    raise SourceError(_("Unknown kind of source."))


def check_connection(kind: str, target: str, *, timeout: float = 10) -> Result:
    """Run ``SELECT 1`` on the source; SourceError carries the engine's own message."""
    return run_query(kind, target, "SELECT 1 AS ok", timeout=timeout, max_rows=1)
