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
import threading
from collections.abc import Callable
from typing import Any

from stats import messages as msg
from stats._lines import scan_lines
from stats._perrows import (
    MAX_ABS_VALUE,
    OK,
    SPACES,
    Totals,
    judge_row,
    loses_digits,
    parse_number,
)
from stats._scanner import scan_clean
from stats.errors import StatsInputError

PREFIX_BYTES = 1 << 16  # parsed in Python first: variant names in order, value offsets
REJECTS_LIMIT = 20_000  # more rejected cells than this: the Python engine reads the file
MEMORY_LIMIT = "128MB"  # DuckDB's buffers; peak RSS then stays flat (about 160 MiB)
BUFFER_SIZE: int | None = None  # None: DuckDB's default CSV buffer (8 MiB costs ~5% more CPU)
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


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


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
    size = os.path.getsize(path)
    if _fast(path, columns, roles, delimiter, decimal, totals, centre, size, progress):
        return
    groups, rejected = _aggregate(
        path, columns, roles, delimiter, decimal, known, shifts, size, progress
    )
    if i_value is not None and _cancels(groups):
        # values far from the first rows' mean: sum again around each variant's own mean
        shifts = [centre + (g[3] / g[1] if g[1] else 0.0) for g in _in_order(groups, known)]
        groups, rejected = _aggregate(
            path, columns, roles, delimiter, decimal, known, shifts, size, None
        )  # the corrected two-pass algorithm: no cancellation left to check
    if sum(r[3] for r in rejected) >= REJECTS_LIMIT:
        raise Unsupported("too many rejected rows")
    for name, n, conversions, total, squares, largest in groups:
        if not largest <= MAX_ABS_VALUE:  # NaN, inf or too large
            raise Unsupported("non-finite or too large values")  # need their lines
        code = totals.index[name]
        if i_value is None:
            totals.merge(code, int(n), int(conversions or 0), 0.0, 0.0)
            continue
        mean_shifted = total / n
        m2 = max(squares - total * mean_shifted, 0.0)
        totals.merge(
            code, int(n), int(conversions or 0), shifts[known.index(name)] + mean_shifted, m2
        )
    if rejected:
        _judge(path, rejected, totals, columns, roles, delimiter, decimal, data_start, names)


def _fast(
    path: str,
    columns: int,
    roles: dict[str, int],
    delimiter: str,
    decimal: str,
    totals: Totals,
    centre: float,
    size: int,
    progress: Callable[[int], Any] | None,
) -> bool:
    """Reduce a clean file with the plain aggregate; return False (totals untouched) when
    a check fails or DuckDB stops, so the detailed query must judge the rows."""
    shifts = dict.fromkeys(totals.names, centre)
    for attempt in range(2):
        query = _fast_query(path, columns, roles, delimiter, decimal, shifts)
        con = connect()
        try:
            groups = run_with_progress(con, query, size, progress if attempt == 0 else None)
        except Exception as exc:
            if type(exc).__module__.split(".")[0] in ("duckdb", "_duckdb"):
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
        code = totals.index[name]
        if "value" not in roles:
            totals.merge(code, int(n), int(conversions or 0), 0.0, 0.0)
            continue
        mean_shifted = total / n
        m2 = max(squares - total * mean_shifted, 0.0)
        totals.merge(code, int(n), int(conversions or 0), shifts[name] + mean_shifted, m2)
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


def _options(
    path: str, types: dict[str, str], delimiter: str, decimal: str, extra: list[str]
) -> str:
    spec = ", ".join(f"{_quote(k)}: {_quote(v)}" for k, v in types.items())
    options = [
        f"columns={{{spec}}}",
        "header=true",
        "auto_detect=false",
        f"delim={_quote(delimiter)}",
        "quote='\"'",
        "escape='\"'",
        *extra,
    ]
    if BUFFER_SIZE:
        options.append(f"buffer_size={BUFFER_SIZE}")
    if decimal == ",":
        options.append("decimal_separator=','")
    return f"read_csv({_quote(path)}, {', '.join(options)})"


def _fast_query(
    path: str,
    columns: int,
    roles: dict[str, int],
    delimiter: str,
    decimal: str,
    shifts: dict[str, float],
) -> str:
    types = {f"c{i}": "VARCHAR" for i in range(columns)}
    var = f"c{roles['variant']}"
    parts = [var, "count(*)"]
    if "conversion" in roles:
        conv = f"c{roles['conversion']}"
        types[conv] = "DOUBLE"
        parts += [
            f"sum({conv})",
            f"count({conv})",
            f"count(*) FILTER ({conv} <> 0 AND {conv} <> 1)",
        ]
    else:
        parts += ["0", "0", "0"]
    if "value" in roles:
        value = f"c{roles['value']}"
        types[value] = "DOUBLE"
        if len(set(shifts.values())) <= 1:
            deviation = f"({value} - {next(iter(shifts.values()), 0.0)!r})"
        else:
            cases = " ".join(f"WHEN {_quote(k)} THEN {v!r}" for k, v in shifts.items())
            deviation = f"({value} - CASE {var} {cases} ELSE 0.0 END)"
        parts += [f"sum({deviation})", f"sum({deviation} * {deviation})", f"count({value})"]
    else:
        parts += ["0.0", "0.0", "0"]
    source = _options(path, types, delimiter, decimal, [])
    return f"SELECT {', '.join(parts)} FROM {source} GROUP BY {var}"


def _aggregate(
    path: str,
    columns: int,
    roles: dict[str, int],
    delimiter: str,
    decimal: str,
    known: list[str],
    shifts: list[float],
    size: int,
    progress: Callable[[int], Any] | None,
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Run the aggregate query; return (per-variant sums, rejected rows by offset)."""
    query = _query(path, columns, roles, delimiter, decimal, known, shifts)
    con = connect()
    try:
        groups = run_with_progress(con, query, size, progress)
        rejected = con.sql(
            "SELECT line_byte_position, any_value(csv_line), "
            "bool_or(error_type = 'INVALID ENCODING'), count(*) "
            "FROM reject_errors GROUP BY line_byte_position ORDER BY 1"
        ).fetchall()
    except Exception as exc:
        if type(exc).__module__.split(".")[0] in ("duckdb", "_duckdb"):
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


def _query(
    path: str,
    columns: int,
    roles: dict[str, int],
    delimiter: str,
    decimal: str,
    known: list[str],
    shifts: list[float],
) -> str:
    types = {f"c{i}": "VARCHAR" for i in range(columns)}
    var = f"c{roles['variant']}"
    types[var] = "ENUM(" + ", ".join(_quote(n) for n in known) + ")"
    used = [var]
    conv = value = None
    if "conversion" in roles:
        conv = f"c{roles['conversion']}"
        types[conv] = "ENUM('0', '1')"
        used.append(conv)
    if "value" in roles:
        value = f"c{roles['value']}"
        types[value] = "DOUBLE"
        used.append(value)
    source = _options(
        path,
        types,
        delimiter,
        decimal,
        [
            "store_rejects=true",
            f"rejects_limit={REJECTS_LIMIT}",
            "force_not_null=[" + ", ".join(_quote(c) for c in used) + "]",
        ],
    )
    conversions = f"sum(enum_code({conv}))" if conv else "NULL"  # '0' is code 0, '1' code 1
    if value is None:
        sums = "NULL, NULL, 0.0"
    else:
        if len(set(shifts)) == 1:
            deviation = f"({value} - {shifts[0]!r})"
        else:
            table = "([" + ", ".join(repr(float(s)) for s in shifts) + "]::DOUBLE[])"
            deviation = f"({value} - {table}[enum_code({var}) + 1])"
        # max(|x|) is NaN or inf when any value is, and above the limit when any value is
        sums = f"sum({deviation}), sum({deviation} * {deviation}), max(abs({value}))"
    return f"SELECT {var}::VARCHAR, count(*), {conversions}, {sums} FROM {source} GROUP BY {var}"


def _judge(
    path: str,
    rejected: list[tuple[Any, ...]],
    totals: Totals,
    columns: int,
    roles: dict[str, int],
    delimiter: str,
    decimal: str,
    data_start: int,
    names: dict[str, str],
) -> None:
    """Apply the rules to the rows DuckDB refused, with their physical line numbers."""
    starts, texts = [], []
    for position, text, bad_encoding, _ in rejected:
        lead = len(text) - len(text.lstrip("\r\n"))
        starts.append(int(position) - 1 + lead)
        texts.append(text[lead:])
        if bad_encoding:
            line = scan_lines(path, [starts[-1]], data_start)[0][0]
            raise StatsInputError(
                msg.FILE_NOT_UTF8.format(
                    encoding="utf-8", detail=f"line {line} has bytes that are not UTF-8"
                )
            )
    _check_offsets(path, starts, texts)
    lines, empty = scan_lines(path, starts, data_start)
    totals.blank_rows += empty
    i_conv, i_value = roles.get("conversion"), roles.get("value")
    good_codes: list[int] = []
    good_flags: list[int] = []
    good_values: list[float] = []
    for line, text in sorted(zip(lines, texts, strict=True)):
        rows = list(csv.reader(text.splitlines(keepends=True) or [""], delimiter=delimiter))
        if len(rows) != 1:
            raise Unsupported("a rejected row does not parse as one row")
        judged = judge_row(
            totals, rows[0], line, columns=columns, roles=roles, names=names, decimal=decimal
        )
        if judged is None:
            continue
        code, flag, value = judged
        good_codes.append(code)
        good_flags.append(flag)
        good_values.append(value)
    if good_codes:
        import numpy as np

        totals.add(
            np.array(good_codes, dtype=np.int64),
            np.array(good_flags, dtype=np.int8) if i_conv is not None else None,
            np.array(good_values, dtype=float) if i_value is not None else None,
        )


def _check_offsets(path: str, starts: list[int], texts: list[str]) -> None:
    """Make sure each rejected row's text is at its offset (else the lines would be wrong)."""
    with open(path, "rb") as handle:
        for start, text in zip(starts, texts, strict=True):
            expected = text.encode("utf-8")[:64]
            handle.seek(start)
            if handle.read(len(expected)) != expected:
                raise Unsupported("rejected rows' offsets do not match the file")
