"""The pure-Python per-user CSV engine: the standard csv module, row by row.

Used when DuckDB is not installed, when asked for (engine="python"), and when the DuckDB
engine cannot be exact for a file (see ``stats._duckcsv``). Rows are gathered in chunks
and added with the shared accumulator (``stats._perrows.Totals``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import numpy as np

from stats import messages as msg
from stats._csvsource import CountingReader
from stats._perrows import (
    Totals,
    judge_row,
)
from stats.errors import StatsInputError

CHUNK_ROWS = 1 << 16


def reduce_with_python(
    reader: CountingReader,
    *,
    columns: int,
    roles: dict[str, int],
    delimiter: str,
    decimal: str,
    encoding: str,
    totals: Totals,
    header_lines: int,
    names: dict[str, str],
    progress: Callable[[int], Any] | None,
) -> None:
    """Stream the data lines through the csv module into totals."""
    text = io.TextIOWrapper(io.BufferedReader(reader, 1 << 16), encoding=encoding, newline="")
    rows = csv.reader(text, delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
    i_conv, i_value = roles.get("conversion"), roles.get("value")
    codes: list[int] = []
    flags: list[int] = []
    values: list[float] = []
    previous = 0
    try:
        for row in rows:
            line = header_lines + previous + 1
            previous = rows.line_num
            judged = judge_row(
                totals, row, line, columns=columns, roles=roles, names=names, decimal=decimal
            )
            if judged is None:
                continue
            code, flag, value = judged
            codes.append(code)
            if i_conv is not None:
                flags.append(flag)
            if i_value is not None:
                values.append(value)
            if len(codes) >= CHUNK_ROWS:
                _flush(totals, codes, flags, values, i_conv, i_value)
                if progress is not None:
                    progress(reader.bytes_read)
    except UnicodeDecodeError as exc:
        raise StatsInputError(msg.FILE_NOT_UTF8.format(encoding=encoding, detail=exc)) from exc
    except csv.Error as exc:
        raise StatsInputError(
            msg.FILE_PARSE_ERROR.format(detail=f"line {header_lines + rows.line_num}: {exc}")
        ) from exc
    _flush(totals, codes, flags, values, i_conv, i_value)
    if progress is not None:
        progress(reader.bytes_read)


def _flush(
    totals: Totals,
    codes: list[int],
    flags: list[int],
    values: list[float],
    i_conv: int | None,
    i_value: int | None,
) -> None:
    totals.add(
        np.array(codes, dtype=np.int64),
        np.array(flags, dtype=np.int8) if i_conv is not None else None,
        np.array(values, dtype=float) if i_value is not None else None,
    )
    codes.clear()
    flags.clear()
    values.clear()
