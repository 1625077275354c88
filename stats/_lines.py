"""Physical line numbers for byte offsets of a file, and its empty lines, in one pass.

Lines end with \\n, \\r\\n or a lone \\r, as the csv module reads them. Used by the DuckDB
engine, which reports rejected rows by byte offset, when a file has rejected rows. Empty
lines are line ends that start a line outside quoted fields (a quote character toggles
the quoted state, which is exact for well-formed quoting, doubled quotes included).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

CHUNK = 1 << 22


def scan_lines(path: str, offsets: Sequence[int], data_start: int) -> tuple[list[int], int]:
    """Return (the line number of each byte offset in ``offsets``, the number of empty
    lines from ``data_start`` on)."""
    wanted = np.asarray(offsets, dtype=np.int64)
    found = np.zeros(len(wanted), dtype=np.int64)
    breaks = 0  # line ends before the current block
    quotes = 0  # quote characters before the current block
    line_start = data_start  # where the current line (outside quotes) starts
    empty = 0
    base = 0
    pending = b""
    with open(path, "rb") as handle:
        while True:
            read = handle.read(CHUNK)
            block = pending + read
            if not block:
                break
            if read and block.endswith(b"\r"):  # \r or the start of \r\n: decide next time
                block, pending = block[:-1], b"\r"
            else:
                pending = b""
            data = np.frombuffer(block, dtype=np.uint8)
            newline, cr = data == 10, data == 13
            lone = cr.copy()
            lone[:-1] &= ~newline[1:]
            ends = np.flatnonzero(newline | lone).astype(np.int64)
            begins = ends.copy()
            paired = newline[ends] & (ends > 0)
            paired[paired] = cr[ends[paired] - 1]
            begins[paired] -= 1
            counted = np.cumsum(data == 34, dtype=np.int64)
            before = quotes + np.where(ends > 0, counted[ends - 1], 0)
            outside = before % 2 == 0
            ends += base
            begins += base
            if outside.any():
                kept_ends, kept_begins = ends[outside], begins[outside]
                line_starts = np.concatenate(([line_start], kept_ends[:-1] + 1))
                blank = (kept_begins == line_starts) & (kept_begins >= data_start)
                empty += int(np.count_nonzero(blank))
                line_start = int(kept_ends[-1]) + 1
            inside = (wanted >= base) & (wanted < base + len(block))
            if inside.any():
                found[inside] = breaks + np.searchsorted(ends, wanted[inside]) + 1
            breaks += len(ends)
            quotes += int(counted[-1]) if len(counted) else 0
            base += len(block)
            if not read:
                break
    found[wanted >= base] = breaks + 1
    return found.tolist(), empty
