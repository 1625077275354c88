"""Running one read-only query on a data source, with a statement timeout and a row limit.

Kinds of source (what the connection field holds):

* ``postgresql``: a URL ``postgresql://user:password@host:5432/db``; each run is a
  ``SET TRANSACTION READ ONLY`` transaction with ``SET LOCAL statement_timeout``, rolled back.
* ``clickhouse``: a URL ``clickhouse://user:password@host:8123/db`` (clickhouse-connect);
  ``chdb``: the data folder of an embedded ClickHouse (chDB). The query carries
  ``SETTINGS readonly = 1, max_execution_time, max_result_rows``.
* ``duckdb``: a DuckDB database file, opened with ``read_only=True``; ``files``: a folder of
  Parquet/CSV files, each a view named after the file in an in-memory DuckDB. Neither may read
  files outside its folder; a timer interrupts a query past the timeout.
* ``sqlalchemy``: any other SQLAlchemy URL whose driver the deployment installed (BigQuery,
  Snowflake...): run in a transaction that is rolled back; give it a read-only role.

Queries name their parameters ``:name``; a run binds them as the engine's own parameters
(never formatted into the SQL). Failures raise SourceError with the engine's own message.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask import current_app, has_app_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from hypotheses.domain.core.errors import DomainError

KINDS: dict[str, Any] = {
    "postgresql": _l("PostgreSQL"),
    "clickhouse": _l("ClickHouse server"),
    "chdb": _l("ClickHouse, embedded (chDB)"),
    "duckdb": _l("DuckDB file"),
    "files": _l("Parquet/CSV folder (DuckDB)"),
    "sqlalchemy": _l("Other SQLAlchemy URL"),
}
FILE_SUFFIXES = {".parquet": "read_parquet", ".csv": "read_csv_auto", ".tsv": "read_csv_auto"}
MESSAGE_LIMIT = 1000


class SourceError(DomainError):
    """The engine refused or failed the query; the message is the engine's own (trimmed)."""

    code = "source_error"


class QueryTimeout(SourceError):
    code = "source_timeout"


class TooManyRows(SourceError):
    code = "source_too_many_rows"


@dataclass(frozen=True)
class Result:
    columns: list[str]
    rows: list[tuple]
    seconds: float


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


def _engine_message(error: BaseException) -> str:
    original = getattr(error, "orig", None) or error
    text = str(original).strip() or type(original).__name__
    return text[:MESSAGE_LIMIT]


def _placeholders(sql: str, params: dict[str, Any], style: str) -> str:
    """Rewrite ``:name`` for each bound name into *style* (duckdb ``$name``, clickhouse
    ``{name:Type}``); other text, ``::`` casts included, is left as written."""
    if not params:
        return sql
    names = "|".join(re.escape(n) for n in sorted(params, key=len, reverse=True))
    pattern = re.compile(rf"(?<![:\w]):({names})\b")

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if style == "duckdb":
            return f"${name}"
        value = params[name]
        kind = "DateTime" if isinstance(value, datetime) else "Date"
        if not isinstance(value, date):
            kind = "String"
        return "{" + f"{name}:{kind}" + "}"

    return pattern.sub(replace, sql)


def _ch_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _limited(rows: Iterator[tuple] | list[tuple], max_rows: int) -> list[tuple]:
    out: list[tuple] = []
    for row in rows:
        out.append(tuple(row))
        if len(out) > max_rows:
            raise TooManyRows(
                _(
                    "The query returned more than %(n)d rows; nothing was stored.",
                    n=max_rows,
                )
            )
    return out


@contextmanager
def _interrupt_after(seconds: float, interrupt: Any) -> Iterator[threading.Event]:
    fired = threading.Event()

    def fire() -> None:
        fired.set()
        interrupt()

    timer = threading.Timer(seconds, fire)
    timer.start()
    try:
        yield fired
    finally:
        timer.cancel()


def _timeout_error(seconds: float) -> QueryTimeout:
    return QueryTimeout(
        _(
            "The query ran longer than the source's timeout (%(s)s s) and was cancelled; "
            "nothing was stored.",
            s=f"{seconds:g}",
        )
    )


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
                rows = _limited(result, max_rows)
            finally:
                trans.rollback()
    except sa.exc.DBAPIError as error:
        if "statement timeout" in str(error.orig) or "QueryCanceled" in type(error.orig).__name__:
            raise _timeout_error(timeout) from None
        raise SourceError(_engine_message(error)) from None
    except sa.exc.SQLAlchemyError as error:
        raise SourceError(_engine_message(error)) from None
    finally:
        engine.dispose()
    return Result(columns, rows, time.monotonic() - started)


def file_roots() -> list[Path] | None:
    """The folders file-based sources (DuckDB files, Parquet/CSV folders, chDB data) may lie
    in: SOURCES_FILE_ROOTS (a list, or paths joined by the OS path separator), by default
    instance/sources; None outside the app (library use: the caller decides)."""
    if not has_app_context():
        return None
    configured = current_app.config.get("SOURCES_FILE_ROOTS")
    if isinstance(configured, str):
        configured = [part for part in configured.split(os.pathsep) if part]
    roots = configured or [Path(current_app.instance_path) / "sources"]
    return [Path(root).expanduser().resolve() for root in roots]


def local_path(target: str) -> Path:
    """The source's path, refused unless it lies inside one of the file roots."""
    path = Path(target).expanduser().resolve()
    roots = file_roots()
    if roots is not None and not any(path.is_relative_to(root) for root in roots):
        raise SourceError(
            _(
                "%(path)s is outside the folders data sources may read (%(roots)s); "
                "an administrator sets them with SOURCES_FILE_ROOTS.",
                path=str(path),
                roots=", ".join(str(root) for root in roots),
            )
        )
    return path


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
        raise SourceError(_engine_message(error)) from None
    try:
        with _interrupt_after(timeout, conn.interrupt) as fired:
            try:
                cursor = conn.execute(_placeholders(sql, params, "duckdb"), params)
                columns = [d[0] for d in cursor.description or []]
                rows = _limited(_fetch_all(cursor), max_rows)
            except duckdb.Error as error:
                if fired.is_set():
                    raise _timeout_error(timeout) from None
                raise SourceError(_engine_message(error)) from None
    finally:
        conn.close()
    return Result(columns, rows, time.monotonic() - started)


def _fetch_all(cursor: Any) -> Iterator[tuple]:
    while chunk := cursor.fetchmany(1000):
        yield from chunk


def _ch_limits(timeout: float, max_rows: int) -> list[str]:
    return [
        f"max_execution_time = {timeout:g}",
        f"max_result_rows = {int(max_rows)}",
        "result_overflow_mode = 'throw'",
        "readonly = 1",
    ]


def _ch_settings(timeout: float, max_rows: int) -> str:
    *limits, readonly = _ch_limits(timeout, max_rows)
    return "\nSETTINGS " + ", ".join([readonly, *limits])  # a server's query: readonly first


def _ch_error(error: BaseException, timeout: float, max_rows: int) -> SourceError:
    text = _engine_message(error)
    if "TIMEOUT_EXCEEDED" in text:
        return _timeout_error(timeout)
    if "TOO_MANY_ROWS" in text:
        return TooManyRows(
            _("The query returned more than %(n)d rows; nothing was stored.", n=max_rows)
        )
    return SourceError(text)


_CHDB_LOCK = threading.Lock()  # chDB runs one embedded session per process at a time


def _run_chdb(target: str, sql: str, params: dict[str, Any], timeout: float, max_rows: int):
    import json

    from chdb import session as chdb_session

    path = local_path(target)
    if not path.is_dir():
        raise SourceError(_("There is no chDB data folder at %(path)s.", path=str(path)))
    query = _placeholders(sql, params, "clickhouse")
    started = time.monotonic()
    with _CHDB_LOCK:
        session = chdb_session.Session(str(path))
        try:
            # set for the session before the query, readonly last: the query's own SETTINGS
            # cannot lift it, and readonly = 1 refuses table functions such as file()
            for setting in _ch_limits(timeout, max_rows):
                session.query(f"SET {setting}")
            raw = session.query(
                query, "JSONCompact", params={k: _ch_value(v) for k, v in params.items()}
            )
        except Exception as error:  # chDB raises its own RuntimeError subclasses
            raise _ch_error(error, timeout, max_rows) from None
        finally:
            session.close()
    body = json.loads(raw.bytes() or b'{"meta": [], "data": []}')
    columns = [m["name"] for m in body.get("meta", [])]
    rows = _limited(body.get("data", []), max_rows)
    return Result(columns, rows, time.monotonic() - started)


def _run_clickhouse(target: str, sql: str, params: dict[str, Any], timeout: float, max_rows):
    try:
        import clickhouse_connect
    except ImportError:
        raise SourceError(
            _("The ClickHouse driver is not installed here (pip install clickhouse-connect).")
        ) from None
    query = _placeholders(sql, params, "clickhouse") + _ch_settings(timeout, max_rows)
    started = time.monotonic()
    try:
        client = clickhouse_connect.get_client(
            dsn=target, connect_timeout=min(timeout, 10), send_receive_timeout=timeout + 5
        )
        try:
            result = client.query(query, parameters={k: _ch_value(v) for k, v in params.items()})
        finally:
            client.close()
    except Exception as error:  # the driver's errors have no common base but Exception
        raise _ch_error(error, timeout, max_rows) from None
    rows = _limited(result.result_rows, max_rows)
    return Result(list(result.column_names), rows, time.monotonic() - started)


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
        return _run_chdb(target, sql, params, timeout, max_rows)
    if kind == "clickhouse":
        return _run_clickhouse(target, sql, params, timeout, max_rows)
    raise SourceError(_("Unknown kind of source."))


def check_connection(kind: str, target: str, *, timeout: float = 10) -> Result:
    """Run ``SELECT 1`` on the source; SourceError carries the engine's own message."""
    return run_query(kind, target, "SELECT 1 AS ok", timeout=timeout, max_rows=1)
