"""The fast per-user CSV engine: one DuckDB aggregate query over the file.

First a plain typed aggregate (variant as text, conversion and value as DOUBLE) with cheap
per-variant checks (missing numbers, conversions other than 0 and 1, sums that are not
finite or values that may exceed the limit, variant names with spaces around them or not
among the first rows' names); DuckDB stops on a row it cannot convert or with the wrong
number of fields. When a check fails or the query stops, the detailed query below runs.

The detailed query reads the used columns with strict types (variant: an ENUM of the known names,
conversion: ENUM('0', '1'), value: DOUBLE) and sums per variant; DuckDB refuses every
row it cannot convert and stores it, with its byte offset and text, as a rejected row.
Those rows are re-judged in Python with the shared rules (``stats._perrows``): some are
good after all (" 1", "1.0", a variant name not seen yet), the others are bad rows, whose
line numbers come from one pass over the file (``stats._lines``). What the query cannot
settle with certainty (non-finite or too large values, which it reads without complaint,
too many rejected rows, a file DuckDB cannot parse) raises ``Unsupported``, and the
caller reads the file with the pure-Python engine instead.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Callable
from typing import Any

from stats._duckcsvsql import REJECTS_LIMIT, CsvFile, detailed_query, plain_query
from stats._duckrejects import judge_rejected
from stats._duckrun import Unsupported, connect, is_duckdb_error, run_with_progress
from stats._perrows import (
    MAX_ABS_VALUE,
    OK,
    SPACES,
    Totals,
    loses_digits,
    parse_number,
)
from stats._scanner import scan_clean

PREFIX_BYTES = 1 << 16  # parsed in Python first: variant names in order, value offsets


def prefix_rows(path: str, start: int, delimiter: str) -> list[list[str]]:
    """Parse the complete rows of the first PREFIX_BYTES after the header."""
    with open(path, "rb") as handle:
        handle.seek(start)
        data = handle.read(PREFIX_BYTES)
    complete = data if len(data) < PREFIX_BYTES else data[: max(data.rfind(b"\n"), 0)]
    text = complete.decode("utf-8", errors="replace")
    rows = list(csv.reader(text.splitlines(keepends=True), delimiter=delimiter))
    if len(complete) < len(data) and rows:
        rows.pop()  # may be cut inside a quoted field
    return rows


def reduce_with_duckdb(
    path: str,
    *,
    columns: int,
    roles: dict[str, int],
    delimiter: str,
    decimal: str,
    totals: Totals,
    data_start: int,
    names: dict[str, str],
    progress: Callable[[int], Any] | None,
) -> None:
    """Reduce the data rows of a UTF-8 CSV file into totals (raise Unsupported when the
    answer would not be exact)."""
    i_var, i_value = roles["variant"], roles.get("value")
    shift: dict[str, list[float]] = {}
    for row in prefix_rows(path, data_start, delimiter):
        if len(row) != columns:
            continue
        name = row[i_var].strip(SPACES)
        if not name or totals.code(name) < 0:
            continue
        if i_value is not None:
            status, value = parse_number(row[i_value], decimal)
            if status == OK:
                shift.setdefault(name, []).append(value)
    known = list(totals.names)
    if not known:
        raise Unsupported("no variant name in the first rows")
    values = [v for vs in shift.values() for v in vs]
    centre = math.fsum(values) / len(values) if values else 0.0
    shifts = [centre] * len(known)
    clean = scan_clean(
        path,
        data_start=data_start,
        columns=columns,
        roles=roles,
        delimiter=delimiter,
        decimal=decimal,
        totals=totals,
        centre=centre,
        progress=progress,
    )
    if clean:
        return
    csv_file = CsvFile(path, columns, roles, delimiter, decimal, data_start)
    size = os.path.getsize(path)
    if _fast(csv_file, totals, centre, size, progress):
        return
    groups, rejected = _aggregate(csv_file, known, shifts, size, progress)
    if i_value is not None and _cancels(groups):
        # values far from the first rows' mean: sum again around each variant's own mean
        shifts = [centre + (g[3] / g[1] if g[1] else 0.0) for g in _in_order(groups, known)]
        # the corrected two-pass algorithm: no cancellation left to check
        groups, rejected = _aggregate(csv_file, known, shifts, size, None)
    if sum(r[3] for r in rejected) >= REJECTS_LIMIT:
        raise Unsupported("too many rejected rows")
    for name, n, conversions, total, squares, largest in groups:
        if not largest <= MAX_ABS_VALUE:  # NaN, inf or too large
            raise Unsupported("non-finite or too large values")  # need their lines
        origin = shifts[known.index(name)]
        totals.merge_sums(totals.index[name], int(n), int(conversions or 0), origin, total, squares)
    if rejected:
        judge_rejected(csv_file, rejected, totals, names)


def _fast(
    csv_file: CsvFile,
    totals: Totals,
    centre: float,
    size: int,
    progress: Callable[[int], Any] | None,
) -> bool:
    """Reduce a clean file with the plain aggregate; return False (totals untouched) when
    a check fails or DuckDB stops, so the detailed query must judge the rows."""
    roles = csv_file.roles
    shifts = dict.fromkeys(totals.names, centre)
    for attempt in range(2):
        query = plain_query(csv_file, shifts)
        con = connect()
        try:
            groups = run_with_progress(con, query, size, progress if attempt == 0 else None)
        except Exception as exc:
            if is_duckdb_error(exc):
                return False  # a row DuckDB cannot read: the detailed query finds it
            raise
        finally:
            con.close()
        if not _clean(groups, totals, roles, shifts):
            return False
        if "value" not in roles or attempt == 1 or not _cancels([g[:2] + g[4:] for g in groups]):
            break
        # values far from the first rows' mean: sum again around each variant's own mean
        shifts = {g[0]: shifts[g[0]] + g[5] / g[1] for g in groups}
    for name, n, conversions, _, _, total, squares, _ in groups:
        origin = shifts[name]
        totals.merge_sums(totals.index[name], int(n), int(conversions or 0), origin, total, squares)
    return True


def _clean(
    groups: list[tuple[Any, ...]],
    totals: Totals,
    roles: dict[str, int],
    shifts: dict[str, float],
) -> bool:
    """True when every row of every group is good by the shared rules."""
    for name, n, _, converted, not_binary, total, squares, values in groups:
        if not name or name != name.strip(SPACES) or name not in totals.index:
            return False  # empty, spaces around it, unknown or first seen late
        if "conversion" in roles and (converted != n or not_binary):
            return False
        if "value" in roles:
            if values != n or not (math.isfinite(total) and math.isfinite(squares)):
                return False  # a missing value, NaN or ±inf
            if abs(shifts[name]) + math.sqrt(squares) > MAX_ABS_VALUE:
                return False  # some value may lie beyond the limit
    return True


def _aggregate(
    csv_file: CsvFile,
    known: list[str],
    shifts: list[float],
    size: int,
    progress: Callable[[int], Any] | None,
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Run the aggregate query; return (per-variant sums, rejected rows by offset)."""
    query = detailed_query(csv_file, known, shifts)
    con = connect()
    try:
        groups = run_with_progress(con, query, size, progress)
        rejected = con.sql(
            "SELECT line_byte_position, any_value(csv_line), "
            "bool_or(error_type = 'INVALID ENCODING'), count(*) "
            "FROM reject_errors GROUP BY line_byte_position ORDER BY 1"
        ).fetchall()
    except Exception as exc:
        if is_duckdb_error(exc):
            raise Unsupported(str(exc)) from exc
        raise
    finally:
        con.close()
    return groups, rejected


def _in_order(groups: list[tuple[Any, ...]], known: list[str]) -> list[tuple[Any, ...]]:
    found = {g[0]: g for g in groups}
    return [found.get(name, (name, 0, 0, 0.0, 0.0, 0)) for name in known]


def _cancels(groups: list[tuple[Any, ...]]) -> bool:
    """True when Σd² − (Σd)²/n may lose digits (shift far from the mean)."""
    return any(loses_digits(n, total, squares) for _, n, _, total, squares, _ in groups)
