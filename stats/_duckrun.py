"""DuckDB for the per-user engines: bounded connections, queries with progress, SQL quoting."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

MEMORY_LIMIT = "128MB"  # DuckDB's buffers; peak RSS then stays flat (about 160 MiB)
THREADS: int | None = None  # None: one per core, at most 4


class Unsupported(Exception):  # noqa: N818  (a signal, not an error)
    """The DuckDB engine cannot give the exact answer for this file."""


def connect() -> Any:
    """Return a DuckDB connection with bounded memory and no disk spilling."""
    import duckdb

    threads = THREADS or max(1, min(os.cpu_count() or 1, 4))
    con = duckdb.connect(
        config={"threads": threads, "memory_limit": MEMORY_LIMIT, "temp_directory": ""}
    )
    return con


def run_with_progress(
    con: Any, query: str, size: int, progress: Callable[[int], Any] | None
) -> list[tuple[Any, ...]]:
    """Run the query in a worker thread, reporting bytes processed from this thread."""
    if progress is None:
        return list(con.sql(query).fetchall())
    con.execute("SET enable_progress_bar = true; SET enable_progress_bar_print = false")
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["rows"] = con.sql(query).fetchall()
        except BaseException as exc:  # handed to the calling thread
            outcome["error"] = exc

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    shown = 0
    while worker.is_alive():
        worker.join(0.2)
        try:
            done = float(con.query_progress())
        except Exception:  # noqa: BLE001  (progress is best effort)
            done = -1.0
        if 0 < done < 100 and int(size * done / 100) > shown:
            shown = int(size * done / 100)
            progress(shown)
    if "error" in outcome:
        raise outcome["error"]
    return list(outcome["rows"])


def is_duckdb_error(exc: BaseException) -> bool:
    """True when DuckDB raised the exception (a file it cannot read, an overflow...)."""
    return type(exc).__module__.split(".")[0] in ("duckdb", "_duckdb")


def quote(text: str) -> str:
    """Return text as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"
