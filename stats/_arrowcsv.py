"""The fast per-user CSV engine: pyarrow's streaming reader, one block at a time.

Fields are read as plain strings and converted with vectorised fast paths that only
accept what the shared rules of ``stats._perrows`` accept (known variant names, exactly
"0"/"1", numbers arrow parses); any other block falls back to applying those rules to
each distinct value, so both engines accept exactly the same rows. Rows with the wrong
number of fields come through pyarrow's invalid-row handler with their record numbers
(serial reading keeps them exact).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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


_NUMPY_TYPES: dict[Any, np.dtype[Any]] = {
    pa.int32(): np.dtype(np.int32),
    pa.float64(): np.dtype(np.float64),
    pa.uint8(): np.dtype(np.uint8),
    pa.int64(): np.dtype(np.int64),
}


def _np(array: pa.Array) -> np.ndarray:
    """View a null-free arrow array as numpy without copying. (pyarrow's own ``to_numpy``
    imports pandas on first use, which would cost the reader time and memory.)"""
    if pa.types.is_boolean(array.type):  # bit-packed: widen to one byte per value first
        return _np(pc.cast(array, pa.uint8())).view(np.bool_)
    assert array.null_count == 0
    dtype = _NUMPY_TYPES[array.type]
    return np.frombuffer(
        array.buffers()[1], dtype=dtype, count=len(array), offset=array.offset * dtype.itemsize
    )


def _offsets(column: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Return the (offsets, bytes) buffers of a string array as numpy views."""
    offsets = np.frombuffer(
        column.buffers()[1], dtype=np.int32, count=len(column) + 1, offset=column.offset * 4
    )
    data = column.buffers()[2]
    return offsets, (
        np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, dtype=np.uint8)
    )


_WIDTH_TYPES: dict[int, np.dtype[Any]] = {
    1: np.dtype("<u1"),
    2: np.dtype("<u2"),
    4: np.dtype("<u4"),
    8: np.dtype("<u8"),
}


def _same_width(column: pa.Array) -> np.ndarray | None:
    """Return the strings as one unsigned integer each when they all have the same length
    of 1, 2, 4 or 8 bytes (e.g. A/B, 0/1), so they can be compared as numbers."""
    offsets, data = _offsets(column)
    count = len(column)
    if count == 0:
        return None
    width, rest = divmod(int(offsets[-1] - offsets[0]), count)
    if rest or width not in _WIDTH_TYPES or not (np.diff(offsets) == width).all():
        return None
    return data[offsets[0] : offsets[-1]].view(_WIDTH_TYPES[width])


def _variants(column: pa.Array, totals: Totals) -> tuple[np.ndarray, np.ndarray | None]:
    """Return (codes, status or None when every name is a known variant)."""
    if totals.names:
        records = _same_width(column)
        if records is not None:  # e.g. A/B or ctrl/test: compare the raw bytes as integers
            known = {
                int(np.frombuffer(raw, dtype=records.dtype)[0]): code
                for code, raw in enumerate(name.encode("utf-8") for name in totals.names)
                if len(raw) == records.dtype.itemsize
            }
            if known:
                keys = np.array(sorted(known), dtype=records.dtype)
                position = np.minimum(np.searchsorted(keys, records), len(keys) - 1)
                if (keys[position] == records).all():
                    lookup = np.array([known[int(k)] for k in keys], dtype=np.intp)
                    return lookup[position], None
        else:
            found = pc.index_in(column, value_set=pa.array(totals.names, pa.string()))
            if found.null_count == 0:
                return _np(found).astype(np.intp), None
    # new, unknown, empty or padded names: apply the rules to each distinct value
    encoded = pc.dictionary_encode(column)
    codes = np.empty(len(encoded.dictionary), dtype=np.intp)
    status = np.empty(len(encoded.dictionary), dtype=np.int8)
    for i, text in enumerate(encoded.dictionary.to_pylist()):
        name = text.strip(SPACES)
        code = totals.code(name) if name else -1
        codes[i] = max(code, 0)
        status[i] = MISSING if not name else (UNKNOWN if code < 0 else OK)
    indices = _np(encoded.indices)
    return codes[indices], (None if (status == OK).all() else status[indices])


def _flags(column: pa.Array, decimal: str) -> tuple[np.ndarray, np.ndarray | None]:
    """Return (0/1 flags, status or None when every field is exactly "0" or "1")."""
    records = _same_width(column)
    if records is not None and records.dtype.itemsize == 1:
        flags = records - np.uint8(48)  # "0" → 0, "1" → 1
        if (flags <= 1).all():
            return flags.view(np.int8), None
    encoded = pc.dictionary_encode(column)
    parsed = [parse_binary(text, decimal) for text in encoded.dictionary.to_pylist()]
    status = np.array([s for s, _ in parsed], dtype=np.int8).reshape(-1)
    values = np.array([v for _, v in parsed], dtype=np.int8).reshape(-1)
    indices = _np(encoded.indices)
    return values[indices], status[indices]


def _numbers(column: pa.Array, decimal: str) -> tuple[np.ndarray | None, np.ndarray]:
    """Return (status or None when all fine, values) of a numeric column."""
    text = pc.replace_substring(column, ",", ".") if decimal == "," else column
    try:
        values = _np(pc.cast(text, pa.float64()))
        finite = np.isfinite(values)
        if finite.all():
            return None, values
        return np.where(finite, OK, NOT_FINITE).astype(np.int8), values
    except pa.ArrowInvalid:
        pass  # some field is not a plain number: classify every field of this block
    trimmed = pc.utf8_trim(text, characters=SPACES)
    is_number = pc.match_substring_regex(trimmed, f"^{NUMBER}$")
    values = _np(pc.cast(pc.if_else(is_number, trimmed, "0"), pa.float64()))
    is_number_np = _np(is_number)
    empty = _np(pc.equal(trimmed, ""))
    spelled = _np(
        pc.is_in(
            pc.utf8_lower(pc.utf8_ltrim(trimmed, characters="+-")), value_set=pa.array(NONFINITE)
        )
    )
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
        self.reported = 0  # removed rows before this index are already counted as bad
        self.total = 0
        self.next = 1  # record number of the next row not yet placed

    def take(self, rows: int) -> Callable[[np.ndarray], np.ndarray]:
        """Place the next batch of ``rows`` rows; return a function giving the record
        numbers of chosen row indices (computed only for bad rows)."""
        start = end = self.cursor
        while end < len(self.removed) and self.removed[end][0] <= (
            self.next + rows - 1 + end - start
        ):
            end += 1
        first = self.next
        removed = np.array([n for n, _ in self.removed[start:end]], dtype=np.int64)
        self.cursor = end
        self.next += rows + (end - start)
        # valid rows before removed record j: removed[j] − first − j
        gaps = removed - first - np.arange(len(removed), dtype=np.int64)

        def numbers(index: np.ndarray) -> np.ndarray:
            return first + index + np.searchsorted(gaps, index, side="right")

        return numbers

    def report(self, totals: Totals, columns: int, header_lines: int) -> None:
        """Count newly removed rows as bad rows and forget rows already placed."""
        new = self.removed[self.reported :]
        self.reported += len(new)
        self.total += len(new)
        drop = min(self.cursor, self.reported)
        if drop:  # the handler only appends, so trimming the front is safe
            del self.removed[:drop]
            self.cursor -= drop
            self.reported -= drop
        for number, fields in new:
            totals.bad(header_lines + number, field_count_reason(columns, fields))


@dataclass
class _Prepared:
    """One block's columns converted to numpy, with per-field statuses (None = all fine)."""

    batch: pa.RecordBatch
    numbers: Callable[[np.ndarray], np.ndarray]
    codes: np.ndarray
    conv: np.ndarray | None
    values: np.ndarray | None
    status_v: np.ndarray | None
    status_c: np.ndarray | None
    status_x: np.ndarray | None


def reduce_with_arrow(
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
) -> tuple[int, int]:
    """Stream the data lines through pyarrow into totals; return (records, invalid rows)."""
    column_names = [f"c{i}" for i in range(columns)]
    var_col = column_names[roles["variant"]]
    conv_col = column_names[roles["conversion"]] if "conversion" in roles else None
    value_col = column_names[roles["value"]] if "value" in roles else None
    records = _Records()

    def on_invalid(row: Any) -> str:
        records.removed.append((row.number, row.actual_columns))  # list.append is atomic
        return "skip"

    def prepare(batch: pa.RecordBatch) -> _Prepared:
        numbers = records.take(batch.num_rows)
        codes, status_v = _variants(batch.column(var_col), totals)
        conv = status_c = values = status_x = None
        if conv_col:
            conv, status_c = _flags(batch.column(conv_col), decimal)
        if value_col:
            status_x, values = _numbers(batch.column(value_col), decimal)
        return _Prepared(batch, numbers, codes, conv, values, status_v, status_c, status_x)

    types = {col: pa.string() for col in (var_col, conv_col, value_col) if col}
    seen = 0
    try:
        stream = pacsv.open_csv(
            reader,
            read_options=pacsv.ReadOptions(
                use_threads=False,
                block_size=BLOCK_SIZE,
                column_names=column_names,
                encoding="utf8" if encoding == "utf-8" else encoding,
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter,
                quote_char='"',
                double_quote=True,
                escape_char=False,
                newlines_in_values=True,
                ignore_empty_lines=False,
                invalid_row_handler=on_invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=types,
                include_columns=list(types),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        for batch in stream:
            prepared = prepare(batch)
            seen += prepared.batch.num_rows
            _consume(prepared, var_col, conv_col, value_col, totals, header_lines, names)
            records.report(totals, columns, header_lines)
            if progress is not None:
                progress(reader.bytes_read)
        records.report(totals, columns, header_lines)
    except pa.ArrowInvalid as exc:
        text = str(exc)
        if "UTF8" in text or "UTF-8" in text:
            raise StatsInputError(msg.FILE_NOT_UTF8.format(encoding=encoding, detail=text)) from exc
        raise StatsInputError(msg.FILE_PARSE_ERROR.format(detail=text)) from exc
    return seen + records.total, records.total


def _consume(
    p: _Prepared,
    var_col: str,
    conv_col: str | None,
    value_col: str | None,
    totals: Totals,
    header_lines: int,
    names: dict[str, str],
) -> None:
    used = [
        s
        for s, col in ((p.status_v, var_col), (p.status_c, conv_col), (p.status_x, value_col))
        if col
    ]
    if all(s is None for s in used):
        totals.add(p.codes, p.conv, p.values)
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
    for i, record in zip(shown, p.numbers(shown), strict=True):
        totals.bad(
            header_lines + int(record),
            _first_reason(int(i), p, var_col, conv_col, value_col, names),
        )
    totals.bad_count += len(bad_index) - len(shown)
    good = ~bad if blank is None else ~(bad | blank)
    totals.add(
        p.codes[good],
        None if p.conv is None else p.conv[good],
        None if p.values is None else p.values[good],
    )


def _first_reason(
    i: int,
    p: _Prepared,
    var_col: str,
    conv_col: str | None,
    value_col: str | None,
    names: dict[str, str],
) -> str:
    if p.status_v is not None and p.status_v[i] != OK:
        return reason(int(p.status_v[i]), names["variant"], p.batch.column(var_col)[i].as_py())
    if p.status_c is not None and conv_col and p.status_c[i] != OK:
        return reason(int(p.status_c[i]), names["conversion"], p.batch.column(conv_col)[i].as_py())
    assert p.status_x is not None and value_col
    return reason(int(p.status_x[i]), names["value"], p.batch.column(value_col)[i].as_py())
