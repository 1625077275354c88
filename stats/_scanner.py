"""The clean-file pass of the per-user CSV engine: the compiled scanner (stats/_scan.c).

A per-user file is usually clean: plain lines, known variant names, conversions 0 and 1,
plain decimal values. The scanner sums such a file in parallel byte ranges (threads, the
GIL released) without building any table, and gives up at the first line it cannot take
with certainty; DuckDB's queries (``stats._duckcsv``) then read the file and judge its rows.
So it changes no answer, only how fast a clean file is read. Without the compiled module
(no C compiler at install time) DuckDB reads every file.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from stats._perrows import SPACES, Totals, loses_digits

try:
    from stats._scan import scan
except ImportError:  # not compiled: DuckDB reads every file
    scan = None

CHUNK = 8 << 20  # bytes of lines per call: bounded memory per thread, progress between calls
THREADS: int | None = None  # None: one per core, at most 4
_UNSAFE = ('"', "\r", "\n", "\x00")


def scan_clean(
    path: str,
    *,
    data_start: int,
    columns: int,
    roles: dict[str, int],
    delimiter: str,
    decimal: str,
    totals: Totals,
    centre: float,
    progress: Callable[[int], Any] | None,
) -> bool:
    """Add a clean file's rows to totals and return True; return False (totals untouched)
    when the scanner is missing or a line is not clean."""
    names = list(totals.names)
    if scan is None or not _usable(names, delimiter, decimal):
        return False
    size = os.path.getsize(path)
    shifts = [centre] * len(names)
    sums = _run(path, data_start, size, columns, roles, delimiter, decimal, names, shifts, progress)
    if sums is None:
        return False
    if "value" in roles and any(loses_digits(n, t, q) for n, _, t, q in sums):
        shifts = [s + (t / n if n else 0.0) for s, (n, _, t, _) in zip(shifts, sums, strict=True)]
        sums = _run(path, data_start, size, columns, roles, delimiter, decimal, names, shifts, None)
        if sums is None:
            return False
    for code, (n, conversions, total, squares) in enumerate(sums):
        if n == 0:
            continue
        totals.merge_sums(code, n, conversions, shifts[code], total, squares)
    return True


def _usable(names: list[str], delimiter: str, decimal: str) -> bool:
    if not names or len(delimiter) != 1 or not delimiter.isascii() or decimal not in ".,":
        return False
    if delimiter == decimal or delimiter in '"\r\n':
        return False
    return all(
        name
        and name == name.strip(SPACES)
        and delimiter not in name
        and not any(c in name for c in _UNSAFE)
        for name in names
    )


def _run(
    path: str,
    data_start: int,
    size: int,
    columns: int,
    roles: dict[str, int],
    delimiter: str,
    decimal: str,
    names: list[str],
    shifts: list[float],
    progress: Callable[[int], Any] | None,
) -> list[tuple[int, int, float, float]] | None:
    """Scan [data_start, size) in CHUNK ranges on a thread pool; None if a line is not clean."""
    encoded = tuple(name.encode("utf-8") for name in names)
    floats = tuple(float(s) for s in shifts)
    args = (
        columns,
        roles["variant"],
        roles.get("conversion", -1),
        roles.get("value", -1),
        delimiter,
        decimal,
        encoded,
        floats,
    )
    starts = list(range(data_start, max(size, data_start + 1), CHUNK))
    threads = THREADS or max(1, min(os.cpu_count() or 1, 4))
    totals = [[0, 0, 0.0, 0.0] for _ in names]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        futures = [
            pool.submit(scan, path, start, min(start + CHUNK, size), start == data_start, *args)
            for start in starts
        ]
        for index, future in enumerate(futures):
            part = future.result()
            if part is None:
                for rest in futures[index + 1 :]:
                    rest.cancel()
                return None
            for total, (n, conversions, s, q) in zip(totals, part, strict=True):
                total[0] += n
                total[1] += conversions
                total[2] += s
                total[3] += q
            if progress is not None:
                progress(min(starts[index] + CHUNK, size))
    return [(n, c, s, q) for n, c, s, q in totals]
