"""Per-row rules shared by the per-user engines: field parsing, bad-row reasons and the
per-variant accumulator (Chan et al.'s parallel mean/M2 combination).

The number grammar is the one DuckDB's CSV reader accepts for DOUBLE (surrounding
whitespace, an optional "+", an optional "-", digits with single underscores between
them, point, exponent), minus non-finite values and values beyond ``MAX_ABS_VALUE``; the
DuckDB engine refuses or re-checks with these rules everything it cannot take as is, so
both engines accept exactly the same rows (pinned by tests/unit/test_stats_peruser.py).
"""

from __future__ import annotations

import math
import re

import numpy as np

from stats import messages as msg
from stats.errors import BadRow, StatsInputError

MAX_VARIANTS = 100
SPACES = " \t"  # trimmed around every field, identically in both engines
NUMBER_SPACES = " \t\n\v\f\r"  # trimmed around numbers (as DuckDB does)
_DIGITS = r"[0-9]+(?:_[0-9]+)*"
NUMBER = rf"\+?-?(?:{_DIGITS}\.?(?:{_DIGITS})?|\.{_DIGITS})(?:[eE][+-]?{_DIGITS})?"
NUMBER_RE = re.compile(NUMBER)
NONFINITE = ("nan", "inf", "infinity")
# |value| above this is refused: n·(2·limit)² stays finite for any n below 2^53, so the
# sums and M2 can never overflow (values near 1e155 used to give M2 = nan)
MAX_ABS_VALUE = 1e100
# sums around an origin lose about log10(n·(mean − origin)²/M2) digits, and rounding grows
# with the row count: past this ratio of (mean − origin)² to the variance, M2 is summed
# again around each variant's mean
CANCELLATION = 100.0
BAD_ROW_TOO_LARGE = "{column} is too large: {value!r} (values must lie within ±1e100)"

OK, MISSING, UNKNOWN, NOT_A_NUMBER, NOT_FINITE, NOT_BINARY, TOO_LARGE = range(7)


def moments(n: int, total: float, squares: float) -> tuple[float, float]:
    """Return (mean, M2) of n deviations d from an origin, given Σd and Σd²."""
    mean = total / n
    return mean, max(squares - total * mean, 0.0)


def loses_digits(n: int, total: float | None, squares: float | None) -> bool:
    """True when Σd² − (Σd)²/n over n deviations d from an origin may lose digits."""
    if n < 2 or total is None or squares is None:
        return False
    mean, m2 = moments(n, total, squares)
    return mean * mean * n > CANCELLATION * m2


def parse_number(text: str, decimal: str) -> tuple[int, float]:
    """Return (status, value) of one numeric field."""
    token = text.strip(NUMBER_SPACES)
    if not token:
        return MISSING, 0.0
    if decimal == ",":
        token = token.replace(",", ".")
    if NUMBER_RE.fullmatch(token):
        value = float(token[1:] if token.startswith("+") else token)
        if not math.isfinite(value):
            return NOT_FINITE, 0.0
        return (OK, value) if abs(value) <= MAX_ABS_VALUE else (TOO_LARGE, 0.0)
    if token.lower().lstrip("+-") in NONFINITE:
        return NOT_FINITE, 0.0
    return NOT_A_NUMBER, 0.0


def parse_binary(text: str, decimal: str) -> tuple[int, int]:
    """Return (status, 0 or 1) of one conversion field."""
    status, value = parse_number(text, decimal)
    if status != OK:
        return status, 0
    if value not in (0.0, 1.0):
        return NOT_BINARY, 0
    return OK, int(value)


def reason(status: int, column: str, text: str) -> str:
    """Return the bad-row reason for a field status."""
    shown = text if len(text) <= 40 else text[:37] + "..."
    if status == MISSING:
        return msg.BAD_ROW_MISSING.format(column=column)
    if status == UNKNOWN:
        return msg.BAD_ROW_UNKNOWN_VARIANT.format(value=shown.strip(SPACES))
    if status == NOT_FINITE:
        return msg.BAD_ROW_NOT_FINITE.format(column=column, value=shown)
    if status == NOT_BINARY:
        return msg.BAD_ROW_NOT_BINARY.format(column=column, value=shown)
    if status == TOO_LARGE:
        return BAD_ROW_TOO_LARGE.format(column=column, value=shown)
    return msg.BAD_ROW_NOT_A_NUMBER.format(column=column, value=shown)


def field_count_reason(expected: int, actual: int) -> str:
    """Return the reason for a row with the wrong number of fields."""
    return msg.BAD_ROW_FIELD_COUNT.format(expected=expected, actual=actual)


def judge_row(
    totals: Totals,
    row: list[str],
    line: int,
    *,
    columns: int,
    roles: dict[str, int],
    names: dict[str, str],
    decimal: str,
) -> tuple[int, int, float] | None:
    """Apply the row rules to one parsed row: (variant code, flag, value) for a good row,
    None for a blank or bad one (counted on *totals*, a bad one with its *line*)."""
    i_var, i_conv, i_value = roles["variant"], roles.get("conversion"), roles.get("value")
    if not row:
        totals.blank_rows += 1
        return None
    if len(row) != columns:
        totals.bad(line, field_count_reason(columns, len(row)))
        return None
    name = row[i_var].strip(SPACES)
    if not name and all(row[i].strip(SPACES) == "" for i in (i_conv, i_value) if i is not None):
        totals.blank_rows += 1
        return None
    code = totals.code(name) if name else -2
    why = None
    if code < 0:
        why = reason(UNKNOWN if name else MISSING, names["variant"], row[i_var])
    flag, value = 0, 0.0
    if why is None and i_conv is not None:
        status, flag = parse_binary(row[i_conv], decimal)
        if status != OK:
            why = reason(status, names["conversion"], row[i_conv])
    if why is None and i_value is not None:
        status, value = parse_number(row[i_value], decimal)
        if status != OK:
            why = reason(status, names["value"], row[i_value])
    if why is not None:
        totals.bad(line, why)
        return None
    return code, flag, value


class Totals:
    """Per-variant n, conversions, mean and M2, plus bad-row bookkeeping in bounded memory."""

    def __init__(
        self, allowed: list[str] | None, report_limit: int, has_conversions: bool, has_values: bool
    ) -> None:
        self.fixed = allowed is not None
        self.names: list[str] = list(allowed or [])
        self.index = {name: i for i, name in enumerate(self.names)}
        size = len(self.names) if self.fixed else MAX_VARIANTS
        self.n = np.zeros(size, dtype=np.int64)
        self.conversions = np.zeros(size, dtype=np.int64) if has_conversions else None
        self.mean = np.zeros(size) if has_values else None
        self.m2 = np.zeros(size) if has_values else None
        self.shift = np.zeros(size)  # per-variant origin of the accumulated values
        self.shifted = np.zeros(size, dtype=bool)
        self._scratch = (np.empty(0), np.empty(0))
        self.blank_rows = 0
        self.bad_count = 0
        self.report_limit = report_limit
        self._bad: list[BadRow] = []

    def code(self, name: str) -> int:
        """Return the index of a (trimmed, non-empty) variant name, or -1 if not allowed."""
        found = self.index.get(name)
        if found is not None:
            return found
        if self.fixed:
            return -1
        if len(self.names) >= MAX_VARIANTS:
            raise StatsInputError(msg.TOO_MANY_VARIANTS.format(limit=MAX_VARIANTS))
        self.index[name] = len(self.names)
        self.names.append(name)
        return len(self.names) - 1

    def bad(self, line: int, why: str) -> None:
        """Count a bad row and keep it if it is among the first ones by line."""
        self.bad_count += 1
        if self.report_limit:
            self._bad.append(BadRow(line, why))
            if len(self._bad) > 2 * self.report_limit:
                self._bad = sorted(self._bad)[: self.report_limit]

    def annotate_records(self, header_lines: int) -> None:
        """Say that the kept line numbers are record numbers (quoted values span lines)."""
        self._bad = [
            BadRow(line, why + msg.RECORD_NOT_LINE.format(record=line - header_lines))
            for line, why in self._bad
        ]

    def bad_rows(self) -> list[BadRow]:
        """Return the first reported bad rows in line order."""
        return sorted(self._bad)[: self.report_limit]

    def _work(self, size: int) -> tuple[np.ndarray, np.ndarray]:
        # reused scratch arrays: fresh megabyte-sized temporaries cost page faults per block
        if self._scratch[0].size < size:
            self._scratch = (np.empty(size), np.empty(size))
        return self._scratch[0][:size], self._scratch[1][:size]

    def add(
        self, codes: np.ndarray, conversions: np.ndarray | None, values: np.ndarray | None
    ) -> None:
        """Add a chunk of good rows (variant codes with their conversion flags and values)."""
        if codes.size == 0:
            return
        k = len(self.names)
        codes = codes.astype(np.intp, copy=False)
        if self.conversions is not None and conversions is not None:
            # one pass counts both: bin 2·code + flag
            both = np.bincount(codes * 2 + conversions, minlength=2 * k)
            counts = both[0::2] + both[1::2]
            self.conversions[:k] += both[1::2]
        else:
            counts = np.bincount(codes, minlength=k)
        if self.mean is None or self.m2 is None or values is None:
            self.n[:k] += counts
            return
        # shifted data: each variant is accumulated relative to the first value seen for it,
        # so means and their differences keep full precision far from zero (1e9 + noise)
        new = (counts > 0) & ~self.shifted[:k]
        if new.any():
            for code, position in zip(*np.unique(codes, return_index=True), strict=True):
                if new[code]:
                    self.shift[code] = values[position]
            self.shifted[:k] |= new
        shifted, deviation = self._work(codes.size)
        np.take(self.shift[:k], codes, out=shifted)
        np.subtract(values, shifted, out=shifted)
        present = counts > 0
        chunk_mean = np.zeros(k)
        chunk_mean[present] = (
            np.bincount(codes, weights=shifted, minlength=k)[present] / counts[present]
        )
        np.take(chunk_mean, codes, out=deviation)
        np.subtract(shifted, deviation, out=deviation)
        np.multiply(deviation, deviation, out=deviation)
        chunk_m2 = np.bincount(codes, weights=deviation, minlength=k)
        # Chan, Golub & LeVeque: merge (n_a, mean_a, M2_a) with the chunk (n_b, mean_b, M2_b)
        for g in np.flatnonzero(present).tolist():
            n_a, n_b = float(self.n[g]), float(counts[g])
            total = n_a + n_b
            delta = chunk_mean[g] - self.mean[g]
            self.mean[g] += delta * n_b / total
            self.m2[g] += chunk_m2[g] + delta * delta * n_a * n_b / total
        self.n[:k] += counts

    def merge(self, code: int, n: int, conversions: int, mean: float, m2: float) -> None:
        """Add a variant's rows summarised elsewhere: n, conversions, value mean and M2."""
        if n == 0:
            return
        if self.conversions is not None:
            self.conversions[code] += conversions
        if self.mean is not None and self.m2 is not None:
            if not self.shifted[code]:
                self.shift[code], self.shifted[code] = mean, True
            n_a, total = float(self.n[code]), float(self.n[code] + n)
            delta = (mean - self.shift[code]) - self.mean[code]
            self.mean[code] += delta * n / total
            self.m2[code] += m2 + delta * delta * n_a * n / total
        self.n[code] += n

    def merge_sums(
        self, code: int, n: int, conversions: int, shift: float, total: float, squares: float
    ) -> None:
        """Add a variant's n rows summed elsewhere: their values as Σd and Σd² of the
        deviations d from shift (no value column: the counts only)."""
        if self.mean is None:
            self.merge(code, n, conversions, 0.0, 0.0)
            return
        mean, m2 = moments(n, total, squares)
        self.merge(code, n, conversions, shift + mean, m2)

    def value_mean(self, index: int) -> float:
        """Return the mean of the value column for one variant."""
        assert self.mean is not None
        return float(self.shift[index] + self.mean[index])
