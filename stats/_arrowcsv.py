"""The fast per-user CSV engine: pyarrow's streaming reader, one block at a time.

Fields are read as strings (variant and conversion dictionary-encoded), then validated
and converted with the rules of ``stats._perrows``, so both engines accept exactly the
same rows. Rows with the wrong number of fields come through pyarrow's invalid-row
handler with their record numbers (serial reading keeps them exact).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from stats import messages as msg
from stats._csvsource import CountingReader
from stats._perrows import (
    MISSING,
    NONFINITE,
    NOT_A_NUMBER,
    NOT_FINITE,
    NUMBER,
    OK,
    SPACES,
    UNKNOWN,
    Totals,
    field_count_reason,
    parse_binary,
    reason,
)
from stats.errors import StatsInputError

BLOCK_SIZE = 1 << 20  # bytes per block; memory stays a few blocks whatever the file size


def _variant_lookup(dictionary: pa.Array, totals: Totals) -> tuple[np.ndarray, np.ndarray]:
    codes = np.empty(len(dictionary), dtype=np.int64)
    status = np.empty(len(dictionary), dtype=np.int8)
    for i, text in enumerate(dictionary.to_pylist()):
        name = text.strip(SPACES)
        code = totals.code(name) if name else -1
        codes[i] = max(code, 0)
        status[i] = MISSING if not name else (UNKNOWN if code < 0 else OK)
    return codes, status


def _binary_lookup(dictionary: pa.Array, decimal: str) -> tuple[np.ndarray, np.ndarray]:
    parsed = [parse_binary(text, decimal) for text in dictionary.to_pylist()]
    status = np.array([s for s, _ in parsed], dtype=np.int8).reshape(-1)
    values = np.array([v for _, v in parsed], dtype=np.int8).reshape(-1)
    return status, values


def _numbers(column: pa.Array, decimal: str) -> tuple[np.ndarray | None, np.ndarray]:
    """Return (status or None when all fine, values) of a numeric column."""
    text = pc.replace_substring(column, ",", ".") if decimal == "," else column
    try:
        values = pc.cast(text, pa.float64()).to_numpy(zero_copy_only=False)
        finite = np.isfinite(values)
        if finite.all():
            return None, values
        return np.where(finite, OK, NOT_FINITE).astype(np.int8), values
    except pa.ArrowInvalid:
        pass  # some field is not a plain number: classify every field of this block
    trimmed = pc.utf8_trim(text, characters=SPACES)
    is_number = pc.match_substring_regex(trimmed, f"^{NUMBER}$")
    values = pc.cast(pc.if_else(is_number, trimmed, "0"), pa.float64()).to_numpy(
        zero_copy_only=False)
    is_number_np = is_number.to_numpy(zero_copy_only=False)
    empty = pc.equal(trimmed, "").to_numpy(zero_copy_only=False)
    spelled = pc.is_in(pc.utf8_lower(pc.utf8_ltrim(trimmed, characters="+-")),
                       value_set=pa.array(NONFINITE)).to_numpy(zero_copy_only=False)
    status = np.full(len(values), NOT_A_NUMBER, dtype=np.int8)
    status[spelled] = NOT_FINITE
    status[empty] = MISSING
    status[is_number_np] = np.where(np.isfinite(values[is_number_np]), OK, NOT_FINITE)
    return status, values


class _Records:
    """Map the rows of each batch to record numbers, skipping rows the handler removed.

    The handler appends (record number, fields) for every removed row; in serial reading
    a block is parsed, and its removed rows reported, before its batch is returned.
    """

    def __init__(self) -> None:
        self.removed: list[tuple[int, int]] = []
        self.cursor = 0  # removed rows before this index are already placed
        self.next = 1  # record number of the next row not yet placed

    def take(self, rows: int) -> Callable[[np.ndarray], np.ndarray]:
        """Place the next batch of ``rows`` rows; return a function giving the record
        numbers of chosen row indices (computed only for bad rows)."""
        start = end = self.cursor
        while end < len(self.removed) and self.removed[end][0] <= self.next + rows - 1 + (
                end - start):
            end += 1
        first = self.next
        removed = np.array([number for number, _ in self.removed[start:end]], dtype=np.int64)
        # valid rows before removed record j: removed[j] − first − j
        gaps = removed - first - np.arange(end - start, dtype=np.int64)
        self.cursor = end
        self.next += rows + (end - start)

        def numbers(index: np.ndarray) -> np.ndarray:
            return first + index + np.searchsorted(gaps, index, side="right")

        return numbers


def reduce_with_arrow(
    reader: CountingReader, *, columns: int, roles: dict[str, int], delimiter: str,
    decimal: str, encoding: str, totals: Totals, header_lines: int,
    names: dict[str, str], progress: Callable[[int], Any] | None,
) -> tuple[int, int]:
    """Stream the data lines through pyarrow into totals; return (records, invalid rows)."""
    column_names = [f"c{i}" for i in range(columns)]
    var_col = column_names[roles["variant"]]
    conv_col = column_names[roles["conversion"]] if "conversion" in roles else None
    value_col = column_names[roles["value"]] if "value" in roles else None
    records = _Records()
    reported = removed_total = 0

    def on_invalid(row: Any) -> str:
        records.removed.append((row.number, row.actual_columns))  # list.append is atomic
        return "skip"

    def report_removed() -> None:
        nonlocal reported, removed_total
        new = records.removed[reported:]
        for number, fields in new:
            totals.bad(header_lines + number, field_count_reason(columns, fields))
        reported += len(new)
        removed_total += len(new)
        drop = min(records.cursor, reported)  # forget rows both placed and reported
        if drop:
            del records.removed[:drop]
            records.cursor -= drop
            reported -= drop

    types = {var_col: pa.dictionary(pa.int32(), pa.string())}
    if conv_col:
        types[conv_col] = pa.dictionary(pa.int32(), pa.string())
    if value_col:
        types[value_col] = pa.string()
    try:
        stream = pacsv.open_csv(
            reader,
            read_options=pacsv.ReadOptions(use_threads=False, block_size=BLOCK_SIZE,
                                           column_names=column_names,
                                           encoding="utf8" if encoding == "utf-8" else encoding),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char='"',
                                             double_quote=True, escape_char=False,
                                             newlines_in_values=True, ignore_empty_lines=False,
                                             invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(column_types=types,
                                                 include_columns=list(types),
                                                 strings_can_be_null=False,
                                                 quoted_strings_can_be_null=False),
        )
        seen = 0
        for batch in stream:
            seen += batch.num_rows
            _reduce_batch(batch, records.take(batch.num_rows), var_col, conv_col, value_col,
                          decimal, totals, header_lines, names)
            report_removed()
            if progress is not None:
                progress(reader.bytes_read)
        report_removed()
    except pa.ArrowInvalid as exc:
        text = str(exc)
        if "UTF8" in text or "UTF-8" in text:
            raise StatsInputError(msg.FILE_NOT_UTF8.format(encoding=encoding, detail=text)) from exc
        raise StatsInputError(msg.FILE_PARSE_ERROR.format(detail=text)) from exc
    return seen + removed_total, removed_total


def _reduce_batch(batch: pa.RecordBatch, numbers: Callable[[np.ndarray], np.ndarray],
                  var_col: str, conv_col: str | None, value_col: str | None, decimal: str,
                  totals: Totals, header_lines: int, names: dict[str, str]) -> None:
    # a status array stays None when every field of the column is fine (the common case)
    variant = batch.column(var_col)
    var_codes, var_status = _variant_lookup(variant.dictionary, totals)
    indices = variant.indices.to_numpy(zero_copy_only=False)
    codes = var_codes[indices]
    status_v = None if (var_status == OK).all() else var_status[indices]
    conv = status_c = None
    if conv_col:
        column = batch.column(conv_col)
        lookup_status, lookup_values = _binary_lookup(column.dictionary, decimal)
        c_indices = column.indices.to_numpy(zero_copy_only=False)
        conv = lookup_values[c_indices]
        status_c = None if (lookup_status == OK).all() else lookup_status[c_indices]
    values = status_x = None
    if value_col:
        status_x, values = _numbers(batch.column(value_col), decimal)
    used = [s for s, col in ((status_v, var_col), (status_c, conv_col), (status_x, value_col))
            if col]
    if all(s is None for s in used):
        totals.add(codes, conv, values)
        return
    blank = None
    if all(s is not None for s in used):
        blank = np.logical_and.reduce([s == MISSING for s in used if s is not None])
        totals.blank_rows += int(np.count_nonzero(blank))
    bad = np.logical_or.reduce([s != OK for s in used if s is not None])
    if blank is not None:
        bad &= ~blank
    bad_index = np.flatnonzero(bad)
    shown = bad_index[: totals.report_limit]
    for i, record in zip(shown, numbers(shown), strict=True):
        totals.bad(header_lines + int(record),
                   _first_reason(int(i), batch, status_v, status_c, status_x,
                                 var_col, conv_col, value_col, names))
    totals.bad_count += len(bad_index) - len(shown)
    good = ~bad if blank is None else ~(bad | blank)
    totals.add(codes[good], None if conv is None else conv[good],
               None if values is None else values[good])


def _first_reason(i: int, batch: pa.RecordBatch, status_v: np.ndarray | None,
                  status_c: np.ndarray | None, status_x: np.ndarray | None, var_col: str,
                  conv_col: str | None, value_col: str | None, names: dict[str, str]) -> str:
    if status_v is not None and status_v[i] != OK:
        return reason(int(status_v[i]), names["variant"], batch.column(var_col)[i].as_py())
    if status_c is not None and conv_col and status_c[i] != OK:
        return reason(int(status_c[i]), names["conversion"], batch.column(conv_col)[i].as_py())
    assert status_x is not None and value_col
    return reason(int(status_x[i]), names["value"], batch.column(value_col)[i].as_py())
