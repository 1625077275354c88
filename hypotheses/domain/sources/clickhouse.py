"""ClickHouse sources: a server (clickhouse-connect) and the embedded chDB. The query carries
``SETTINGS readonly = 1, max_execution_time, max_result_rows``."""

from __future__ import annotations

import threading
import time
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _

from hypotheses.domain.sources.running import (
    Result,
    SourceError,
    TooManyRows,
    engine_message,
    limited,
    local_path,
    placeholders,
    timeout_error,
)


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _limits(timeout: float, max_rows: int) -> list[str]:
    return [
        f"max_execution_time = {timeout:g}",
        f"max_result_rows = {int(max_rows)}",
        "result_overflow_mode = 'throw'",
        "readonly = 1",
    ]


def _settings(timeout: float, max_rows: int) -> str:
    *limits, readonly = _limits(timeout, max_rows)
    return "\nSETTINGS " + ", ".join([readonly, *limits])  # a server's query: readonly first


def _error(error: BaseException, timeout: float, max_rows: int) -> SourceError:
    text = engine_message(error)
    if "TIMEOUT_EXCEEDED" in text:
        return timeout_error(timeout)
    if "TOO_MANY_ROWS" in text:
        return TooManyRows(
            _("The query returned more than %(n)d rows; nothing was stored.", n=max_rows)
        )
    return SourceError(text)


CHDB_LOCK = threading.Lock()  # chDB runs one embedded session per process at a time


def run_chdb(target: str, sql: str, params: dict[str, Any], timeout: float, max_rows: int):
    import json

    from chdb import session as chdb_session

    path = local_path(target)
    if not path.is_dir():
        raise SourceError(_("There is no chDB data folder at %(path)s.", path=str(path)))
    query = placeholders(sql, params, "clickhouse")
    started = time.monotonic()
    with CHDB_LOCK:
        session = chdb_session.Session(str(path))
        try:
            # set for the session before the query, readonly last: the query's own SETTINGS
            # cannot lift it, and readonly = 1 refuses table functions such as file()
            for setting in _limits(timeout, max_rows):
                session.query(f"SET {setting}")
            raw = session.query(
                query, "JSONCompact", params={k: _value(v) for k, v in params.items()}
            )
        except Exception as error:  # chDB raises its own RuntimeError subclasses
            raise _error(error, timeout, max_rows) from None
        finally:
            session.close()
    body = json.loads(raw.bytes() or b'{"meta": [], "data": []}')
    columns = [m["name"] for m in body.get("meta", [])]
    rows = limited(body.get("data", []), max_rows)
    return Result(columns, rows, time.monotonic() - started)


def run_clickhouse(target: str, sql: str, params: dict[str, Any], timeout: float, max_rows):
    try:
        import clickhouse_connect
    except ImportError:
        raise SourceError(
            _("The ClickHouse driver is not installed here (pip install clickhouse-connect).")
        ) from None
    query = placeholders(sql, params, "clickhouse") + _settings(timeout, max_rows)
    started = time.monotonic()
    try:
        client = clickhouse_connect.get_client(
            dsn=target, connect_timeout=min(timeout, 10), send_receive_timeout=timeout + 5
        )
        try:
            result = client.query(query, parameters={k: _value(v) for k, v in params.items()})
        finally:
            client.close()
    except Exception as error:  # the driver's errors have no common base but Exception
        raise _error(error, timeout, max_rows) from None
    rows = limited(result.result_rows, max_rows)
    return Result(list(result.column_names), rows, time.monotonic() - started)
