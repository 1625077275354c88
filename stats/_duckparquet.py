"""Per-user Parquet files through DuckDB: one aggregate query, bad rows by row number.

A plain aggregate runs first: per variant the count, the sums and cheap checks (missing
numbers, conversions other than 0 and 1, sums that are not finite), skipped where the
file's column statistics already prove them; variants in the order of their first rows.
Only when a check fails does the detailed query below judge every row.

Parquet columns are typed, so the rules are applied in SQL: the variant is the value as
text with spaces and tabs trimmed (empty or null: missing); the conversion must be 0 or 1
(numbers or booleans); the value must be a finite number within ±1e100. A bad row's
"line" is its 1-based row number in the file (Parquet has no header line).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from typing import Any

from stats import messages as msg
from stats._csvsource import resolve_columns
from stats._duckrun import connect, is_duckdb_error, quote, run_with_progress
from stats._perrows import (
    CANCELLATION,
    MAX_ABS_VALUE,
    MAX_VARIANTS,
    MISSING,
    NOT_A_NUMBER,
    NOT_BINARY,
    NOT_FINITE,
    OK,
    TOO_LARGE,
    UNKNOWN,
    Totals,
    moments,
    reason,
)
from stats.errors import StatsInputError

MAGIC = b"PAR1"


def is_parquet(path: str) -> bool:
    """Return True when the file starts with the Parquet magic bytes."""
    with open(path, "rb") as handle:
        return handle.read(4) == MAGIC


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def reduce_parquet(
    path: str,
    *,
    wanted: dict[str, str],
    totals: Totals,
    progress: Callable[[int], Any] | None,
) -> dict[str, str]:
    """Reduce a per-user Parquet file into totals; return the matched column names."""
    con = connect()
    try:
        source = f"read_parquet({quote(path)}, file_row_number=true)"
        try:
            bound = con.sql(f"SELECT * FROM {source}")  # bound (schema read), not run
            described = list(zip(bound.columns, bound.types, strict=True))
        except Exception as exc:
            raise StatsInputError(msg.FILE_UNREADABLE.format(detail=exc)) from exc
        types = {row[0]: str(row[1]) for row in described if row[0] != "file_row_number"}
        header = list(types)
        roles = resolve_columns(header, wanted)
        names = {role: header[i] for role, i in roles.items()}
        rows = _rows(source, names, types, totals)
        outcome = _fast(con, path, names, types, totals, progress)
        if outcome is not None:
            if outcome:  # values far from the first rows' mean: M2 around each mean
                _recompute_m2(con, rows, names, totals)
            return names
        shift = _shift(con, rows, names)
        query = _query(rows, names, totals, shift)
        try:
            groups = run_with_progress(con, query, os.path.getsize(path), progress)
        except Exception as exc:
            if "memory" in str(exc).lower():
                raise StatsInputError(msg.TOO_MANY_VARIANTS.format(limit=MAX_VARIANTS)) from exc
            raise StatsInputError(msg.FILE_UNREADABLE.format(detail=exc)) from exc
        if totals.fixed is False and len(groups) > MAX_VARIANTS:
            raise StatsInputError(msg.TOO_MANY_VARIANTS.format(limit=MAX_VARIANTS))
        bad_total = 0
        cancelled = False
        for name, _first, n, conversions, total, squares, bad, blank in sorted(
            groups, key=lambda g: g[1]
        ):
            totals.blank_rows += int(blank)
            bad_total += int(bad)
            if name is None or name == "" or not n:
                continue
            code = totals.code(name)
            if code < 0:
                continue
            if "value" not in names:
                totals.merge(code, int(n), int(conversions or 0), 0.0, 0.0)
                continue
            mean_shifted, m2 = moments(n, total, squares)
            if m2 > 0 and mean_shifted * mean_shifted > CANCELLATION * (m2 / n):
                cancelled = True
            totals.merge(code, int(n), int(conversions or 0), shift + mean_shifted, m2)
        if cancelled:
            _recompute_m2(con, rows, names, totals)
        if bad_total:
            _report_bad(con, rows, names, totals, bad_total)
        return names
    finally:
        con.close()


INTEGERS = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER")


def _fast(
    con: Any,
    path: str,
    names: dict[str, str],
    types: dict[str, str],
    totals: Totals,
    progress: Callable[[int], Any] | None,
) -> bool | None:
    """Reduce a clean file with the plain aggregate; return None (totals untouched) when
    a check fails, so the detailed query must judge the rows, else whether M2 lost
    digits to the shift (mean far from the first rows' mean)."""
    source = f"read_parquet({quote(path)})"
    proven, shift = _statistics(con, path, names, types)
    variant = _ident(names["variant"])
    if types[names["variant"]] != "VARCHAR":
        variant = f"CAST({variant} AS VARCHAR)"
    parts = [variant, "count(*)"]
    if "conversion" in names:
        column, kind = _ident(names["conversion"]), types[names["conversion"]]
        if kind == "BOOLEAN":
            column = f"CAST({column} AS INTEGER)"
        if kind in INTEGERS or kind == "BOOLEAN":
            # whole numbers: Σc(c − 1) is 0 exactly when every c is 0 or 1
            binary = "0" if "conversion" in proven else f"sum({column} * {column} - {column})"
        else:
            column = f"TRY_CAST({column} AS DOUBLE)"
            binary = f"count(*) FILTER ({column} <> 0 AND {column} <> 1)"
        counted = "count(*)" if "conversion" in proven else f"count({column})"
        parts += [f"sum({column})", counted, binary]
    else:
        parts += ["0", "count(*)", "0"]
    if "value" in names:
        value = _ident(names["value"])
        if types[names["value"]] != "DOUBLE":
            value = f"TRY_CAST({value} AS DOUBLE)"
        deviation = f"({value} - {shift!r})" if shift else value
        counted = "count(*)" if "value" in proven else f"count({value})"
        parts += [f"sum({deviation})", f"sum({deviation} * {deviation})", counted]
    else:
        parts += ["0.0", "0.0", "count(*)"]
    query = f"SELECT {', '.join(parts)} FROM {source} GROUP BY ALL"
    try:
        groups = run_with_progress(con, query, os.path.getsize(path), progress)
    except Exception as exc:
        if is_duckdb_error(exc):
            return None  # e.g. an overflow in the checks: the detailed query judges
        raise
    if totals.fixed is False and len(groups) > MAX_VARIANTS:
        return None
    for name, n, _, converted, not_binary, total, squares, values in groups:
        if not name or name != name.strip(" \t") or (totals.fixed and totals.code(name) < 0):
            return None
        if converted != n or not_binary or values != n:
            return None
        if not (math.isfinite(total) and math.isfinite(squares)):
            return None  # NaN or ±inf
        if abs(shift) + math.sqrt(squares) > MAX_ABS_VALUE:
            return None  # some value may lie beyond the limit
    if not totals.fixed:
        for name in _first_seen(con, path, variant, {g[0] for g in groups}):
            totals.code(name)
    cancelled = False
    for name, n, conversions, _, _, total, squares, _ in groups:
        mean_shifted, m2 = moments(n, total, squares)
        if "value" in names and m2 > 0 and mean_shifted * mean_shifted > CANCELLATION * (m2 / n):
            cancelled = True
        totals.merge(totals.index[name], int(n), int(conversions or 0), shift + mean_shifted, m2)
    return cancelled


def _statistics(
    con: Any, path: str, names: dict[str, str], types: dict[str, str]
) -> tuple[set[str], float]:
    """From the column statistics: the roles proven to have no nulls (and, for a
    whole-number conversion column, values within 0 and 1) in every row group, and the
    origin for the value sums (the middle of the values' range when they lie far from 0;
    M2 is recomputed around each mean when the sums still lose digits)."""
    wanted = {names[r]: r for r in ("conversion", "value") if r in names}
    kinds = {r: types[names[r]] for r in wanted.values()}
    stats: dict[str, list[tuple[Any, ...]]] = {}
    try:
        for column, nulls, low, high in con.sql(
            "SELECT path_in_schema, stats_null_count, stats_min_value, stats_max_value "
            f"FROM parquet_metadata({quote(path)})"
        ).fetchall():
            if column in wanted:
                stats.setdefault(wanted[column], []).append((nulls, low, high))
    except Exception as exc:  # noqa: BLE001  (no statistics: the query checks instead)
        if not is_duckdb_error(exc):
            raise
        return set(), 0.0
    proven = set()
    for role, found in stats.items():
        if not all(nulls == 0 for nulls, _, _ in found):
            continue
        if role == "value" and kinds[role] in ("DOUBLE", "FLOAT", *INTEGERS):
            proven.add(role)
        elif role == "conversion" and kinds[role] == "BOOLEAN":
            proven.add(role)
        elif role == "conversion" and kinds[role] in INTEGERS:
            try:
                if all(int(low) >= 0 and int(high) <= 1 for _, low, high in found):
                    proven.add(role)
            except (TypeError, ValueError):
                pass
    return proven, _middle(stats.get("value", []))


def _middle(found: list[tuple[Any, ...]]) -> float:
    try:
        low = min(float(low) for _, low, _ in found)
        high = max(float(high) for _, _, high in found)
    except (TypeError, ValueError):  # no statistics, or not numbers
        return 0.0
    middle = (low + high) / 2
    if not (math.isfinite(middle) and high - low < abs(middle) <= MAX_ABS_VALUE):
        return 0.0
    return middle


def _first_seen(con: Any, path: str, variant: str, names: set[str]) -> list[str]:
    """The variant names in the order of their first rows: among the first rows when
    they are all there, else from the whole variant column."""
    source = f"read_parquet({quote(path)}, file_row_number=true)"
    for where in (f"WHERE file_row_number < {1 << 16}", ""):
        found = con.sql(
            f"SELECT {variant} AS v, min(file_row_number) AS first FROM {source} {where} "
            "GROUP BY v ORDER BY first"
        ).fetchall()
        order = [row[0] for row in found if row[0] in names]
        if len(order) == len(names):
            break
    return order


def _rows(source: str, names: dict[str, str], types: dict[str, str], totals: Totals) -> str:
    """A subquery with v (variant text, trimmed), c and x (as DOUBLE), good, blank and rn.

    Text columns are converted by DuckDB's number parser (the grammar of the CSV rules);
    typed columns are used as they are. Raw texts are only read for the bad rows shown.
    """
    variant = _ident(names["variant"])
    parts = [
        f"trim({variant}, ' \t') AS v"
        if types[names["variant"]] == "VARCHAR"
        else f"CAST({variant} AS VARCHAR) AS v"
    ]
    empty = ["coalesce(v, '') = ''"]
    for role, alias in (("conversion", "c"), ("value", "x")):
        if role not in names:
            parts.append(f"0.0 AS {alias}")
            continue
        column = _ident(names[role])
        if types[names[role]] == "VARCHAR":
            parts.append(f"TRY_CAST({column} AS DOUBLE) AS {alias}")
            empty.append(f"trim(coalesce({column}, ''), ' \t\n\r') = ''")
        else:
            parts.append(f"TRY_CAST({column} AS DOUBLE) AS {alias}")
            empty.append(f"{column} IS NULL")
    parts.append("file_row_number AS rn")
    good = ["v IS NOT NULL", "v <> ''"]
    if totals.fixed:
        good.append("v IN (" + ", ".join(quote(n) for n in totals.names) + ")")
    if "conversion" in names:
        good.append("c IN (0, 1)")
    if "value" in names:
        good.append(f"isfinite(x) AND abs(x) <= {MAX_ABS_VALUE!r}")
    return (
        f"(SELECT v, c, x, rn, coalesce({' AND '.join(good)}, false) AS good, "
        f"{' AND '.join(empty)} AS blank, * EXCLUDE (file_row_number) "
        f"FROM (SELECT {', '.join(parts)}, * FROM {source}))"
    )


def _shift(con: Any, rows: str, names: dict[str, str]) -> float:
    if "value" not in names:
        return 0.0
    found = con.sql(f"SELECT avg(x) FROM (SELECT x FROM {rows} WHERE good LIMIT 10000)")
    value = found.fetchall()[0][0]
    return float(value) if value is not None and math.isfinite(value) else 0.0


def _query(rows: str, names: dict[str, str], totals: Totals, shift: float) -> str:
    deviation = f"(x - {shift!r})"
    return (
        "SELECT v, min(rn), count(*) FILTER (good), sum(c) FILTER (good), "
        f"sum({deviation}) FILTER (good), sum({deviation} * {deviation}) FILTER (good), "
        "count(*) FILTER (NOT good AND NOT blank), count(*) FILTER (blank) "
        f"FROM {rows} GROUP BY v"
    )


def _recompute_m2(con: Any, rows: str, names: dict[str, str], totals: Totals) -> None:
    """Second pass around each variant's mean, when the first shift was far from it."""
    assert totals.m2 is not None and totals.mean is not None
    cases = " ".join(
        f"WHEN {quote(name)} THEN {totals.value_mean(i)!r}" for i, name in enumerate(totals.names)
    )
    deviation = f"(x - CASE v {cases} END)"
    for name, m2 in con.sql(
        f"SELECT v, sum({deviation} * {deviation}) FROM {rows} WHERE good GROUP BY v"
    ).fetchall():
        code = totals.index.get(name)
        if code is not None:
            totals.m2[code] = float(m2)


def _report_bad(con: Any, rows: str, names: dict[str, str], totals: Totals, bad_total: int) -> None:
    texts = [
        f"CAST({_ident(names[role])} AS VARCHAR)" if role in names else "''"
        for role in ("conversion", "value")
    ]
    shown = con.sql(
        f"SELECT rn, v, c, {texts[0]}, x, {texts[1]} FROM {rows} "
        f"WHERE NOT good AND NOT blank ORDER BY rn LIMIT {max(totals.report_limit, 1)}"
    ).fetchall()
    for rn, v, c, c_text, x, x_text in shown[: totals.report_limit]:
        totals.bad(int(rn) + 1, _why(v, c, c_text, x, x_text, names, totals))
    totals.bad_count += bad_total - min(len(shown), totals.report_limit)


def _why(
    v: Any, c: Any, c_text: Any, x: Any, x_text: Any, names: dict[str, str], totals: Totals
) -> str:
    if v is None or v == "":
        return reason(MISSING, names["variant"], "")
    if totals.code(v) < 0:
        return reason(UNKNOWN, names["variant"], v)
    if "conversion" in names:
        text = (c_text or "").strip(" \t")
        if c is None:
            return reason(MISSING if not text else NOT_A_NUMBER, names["conversion"], text)
        if c not in (0.0, 1.0):
            status = NOT_FINITE if not math.isfinite(c) else NOT_BINARY
            return reason(status, names["conversion"], text)
    text = (x_text or "").strip(" \t")
    if x is None:
        return reason(MISSING if not text else NOT_A_NUMBER, names["value"], text)
    status = NOT_FINITE if not math.isfinite(x) else (TOO_LARGE if abs(x) > MAX_ABS_VALUE else OK)
    return reason(status, names["value"], text)
