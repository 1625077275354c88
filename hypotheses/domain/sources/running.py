"""What every engine's run shares: the errors, the result, the row limit, the timeout, the
parameters' placeholders and the folders file-based sources may lie in."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask import current_app, has_app_context
from flask_babel import gettext as _

from hypotheses.domain.core.errors import DomainError

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


def engine_message(error: BaseException) -> str:
    original = getattr(error, "orig", None) or error
    text = str(original).strip() or type(original).__name__
    return text[:MESSAGE_LIMIT]


def placeholders(sql: str, params: dict[str, Any], style: str) -> str:
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


def limited(rows: Iterator[tuple] | list[tuple], max_rows: int) -> list[tuple]:
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
def interrupt_after(seconds: float, interrupt: Any) -> Iterator[threading.Event]:
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


def timeout_error(seconds: float) -> QueryTimeout:
    return QueryTimeout(
        _(
            "The query ran longer than the source's timeout (%(s)s s) and was cancelled; "
            "nothing was stored.",
            s=f"{seconds:g}",
        )
    )


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
