"""The rows DuckDB's detailed query refused, judged again in Python with their line numbers."""

from __future__ import annotations

import csv
from typing import Any

from stats import messages as msg
from stats._duckcsvsql import CsvFile
from stats._duckrun import Unsupported
from stats._lines import scan_lines
from stats._perrows import Totals, judge_row
from stats.errors import StatsInputError


def judge_rejected(
    csv_file: CsvFile, rejected: list[tuple[Any, ...]], totals: Totals, names: dict[str, str]
) -> None:
    """Apply the rules to the rows DuckDB refused, with their physical line numbers."""
    path, data_start, roles = csv_file.path, csv_file.data_start, csv_file.roles
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
        rows = list(
            csv.reader(text.splitlines(keepends=True) or [""], delimiter=csv_file.delimiter)
        )
        if len(rows) != 1:
            raise Unsupported("a rejected row does not parse as one row")
        judged = judge_row(
            totals,
            rows[0],
            line,
            columns=csv_file.columns,
            roles=roles,
            names=names,
            decimal=csv_file.decimal,
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
