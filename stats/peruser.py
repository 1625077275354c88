"""Reduce a per-user file (one row per user) to per-variant sufficient statistics.

CSV or Parquet, recognised by the file's first bytes. One streaming pass, memory
independent of the file size: DuckDB (engine "duckdb", imported only when a file is
read) when it is installed, else the standard csv module (engine "python", CSV only).
Both apply the same row rules (``stats._perrows``) and report bad rows by line number;
the DuckDB engine hands a file to the Python engine when only that one can be exact
(see ``stats._duckcsv``). A Parquet file's "line" numbers are its 1-based row numbers,
and its summary has an empty delimiter.
"""

from __future__ import annotations

import importlib.util
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import IO, Any

from stats import messages as msg
from stats._csvpython import reduce_with_python
from stats._csvsource import (
    CountingReader,
    check_encoding,
    local_copy,
    open_source,
    read_header,
    resolve_columns,
)
from stats._duckcsv import reduce_with_duckdb
from stats._duckparquet import is_parquet, reduce_parquet
from stats._duckrun import Unsupported
from stats._perrows import (
    SPACES,
    Totals,
)
from stats.errors import BadRow, BadRowsError, StatsInputError
from stats.inputs import ConversionCounts, MeanSummary, to_count
from stats.results import Serializable

ENGINES = ("auto", "duckdb", "python")


@dataclass(frozen=True)
class VariantTotals(Serializable):
    """Sufficient statistics of one variant: users, conversions, and mean/M2 of the value."""

    name: str
    n: int
    conversions: int | None
    value_mean: float | None
    value_m2: float | None  # Σ(x − mean)², accumulated stably (Chan et al.)

    @property
    def value_sum(self) -> float | None:
        """Σx of the value column."""
        return None if self.value_mean is None else self.n * self.value_mean

    @property
    def value_sum_of_squares(self) -> float | None:
        """Σx² of the value column."""
        if self.value_mean is None or self.value_m2 is None:
            return None
        return self.value_m2 + self.n * self.value_mean**2

    @property
    def value_sd(self) -> float | None:
        """Sample standard deviation (n − 1) of the value column, None below 2 users."""
        if self.value_m2 is None or self.n < 2:
            return None
        return math.sqrt(self.value_m2 / (self.n - 1))

    def conversion_counts(self) -> ConversionCounts:
        """Return (visitors, conversions) for compare_conversions or analyze."""
        if self.conversions is None:
            raise StatsInputError(msg.METRIC_COLUMN_REQUIRED)
        return ConversionCounts(self.n, self.conversions)

    def mean_summary(self) -> MeanSummary:
        """Return (n, mean, sd) for compare_means or analyze."""
        if self.value_mean is None or self.value_sd is None:
            raise StatsInputError(
                msg.TOO_FEW_OBSERVATIONS.format(name=self.name, n=self.n)
                if self.value_mean is not None
                else msg.METRIC_COLUMN_REQUIRED
            )
        return MeanSummary(self.n, self.value_mean, self.value_sd)


@dataclass(frozen=True)
class PerUserSummary(Serializable):
    """The reduced file: per-variant totals, rows used, and the bad rows found."""

    variants: tuple[VariantTotals, ...]
    rows: int
    blank_rows: int
    bad_row_count: int
    bad_rows: tuple[BadRow, ...]
    delimiter: str
    decimal: str
    engine: str

    def variant(self, name: str) -> VariantTotals:
        """Return the totals of one variant by name."""
        for totals in self.variants:
            if totals.name == name:
                return totals
        raise StatsInputError(msg.BAD_ROW_UNKNOWN_VARIANT.format(value=name))

    def conversion_inputs(self) -> list[tuple[str, ConversionCounts]]:
        """Return [(name, (visitors, conversions))] in variant order, ready for analyze."""
        return [(v.name, v.conversion_counts()) for v in self.variants]

    def mean_inputs(self) -> list[tuple[str, MeanSummary]]:
        """Return [(name, (n, mean, sd))] in variant order, ready for analyze."""
        return [(v.name, v.mean_summary()) for v in self.variants]


def _check_options(
    variant_column: Any,
    conversion_column: Any,
    value_column: Any,
    variants: Any,
    delimiter: Any,
    decimal: Any,
    engine: Any,
) -> list[str] | None:
    for name, column in (
        ("variant_column", variant_column),
        ("conversion_column", conversion_column),
        ("value_column", value_column),
    ):
        if column is not None and (not isinstance(column, str) or not column.strip()):
            raise StatsInputError(
                msg.ARM_SHAPE.format(name=name, shape="a column name", value=column)
            )
    if variant_column is None:
        raise StatsInputError(
            msg.ARM_SHAPE.format(name="variant_column", shape="a column name", value=None)
        )
    if conversion_column is None and value_column is None:
        raise StatsInputError(msg.METRIC_COLUMN_REQUIRED)
    given = [c.strip().lower() for c in (variant_column, conversion_column, value_column) if c]
    if len(set(given)) != len(given):
        raise StatsInputError(msg.SAME_COLUMN_TWICE)
    if delimiter is not None and (
        not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in '"\r\n'
    ):
        raise StatsInputError(
            msg.ARM_SHAPE.format(name="delimiter", shape="one character", value=delimiter)
        )
    if decimal not in (None, ".", ","):
        raise StatsInputError(
            msg.UNKNOWN_METHOD.format(name="decimal", allowed=(".", ","), value=decimal)
        )
    if engine not in ENGINES:
        raise StatsInputError(
            msg.UNKNOWN_METHOD.format(name="engine", allowed=ENGINES, value=engine)
        )
    if variants is None:
        return None
    if isinstance(variants, (str, bytes)) or not isinstance(variants, Sequence) or not variants:
        raise StatsInputError(
            msg.ARM_SHAPE.format(name="variants", shape="a list of names", value=variants)
        )
    names = [v.strip(SPACES) if isinstance(v, str) else "" for v in variants]
    if not all(names) or len(set(names)) != len(names):
        raise StatsInputError(msg.ANALYSIS_NAME.format(value=variants))
    return names


def reduce_per_user_csv(
    path_or_file: str | os.PathLike[str] | IO[bytes] | IO[str],
    *,
    variant_column: str,
    conversion_column: str | None = None,
    value_column: str | None = None,
    variants: Sequence[str] | None = None,
    skip_bad_rows: bool = False,
    delimiter: str | None = None,
    decimal: str | None = None,
    encoding: str = "utf-8",
    max_bad_rows_reported: int = 20,
    progress: Callable[[int], Any] | None = None,
    engine: str = "auto",
) -> PerUserSummary:
    """Reduce a per-user CSV or Parquet file (recognised by its first bytes) to n,
    conversions and value mean/M2 per variant in one streaming pass; refuse the whole file
    when it has bad rows unless skip_bad_rows is set."""
    allowed = _check_options(
        variant_column, conversion_column, value_column, variants, delimiter, decimal, engine
    )
    limit = to_count(max_bad_rows_reported, "max_bad_rows_reported")
    if not isinstance(skip_bad_rows, bool):
        raise StatsInputError(
            msg.UNKNOWN_METHOD.format(
                name="skip_bad_rows", allowed=(True, False), value=skip_bad_rows
            )
        )
    encoding = check_encoding(encoding)
    wanted = {"variant": variant_column}
    if conversion_column:
        wanted["conversion"] = conversion_column
    if value_column:
        wanted["value"] = value_column
    if engine == "auto":
        engine = "duckdb" if importlib.util.find_spec("duckdb") is not None else "python"
    report = _Monotonic(progress)
    request = _Request(wanted, allowed, limit, delimiter, decimal, report)
    source = open_source(path_or_file, encoding)
    try:
        if engine == "duckdb":
            with local_copy(source, path_or_file, report) as path:
                if is_parquet(path):
                    totals = Totals(allowed, limit, "conversion" in wanted, "value" in wanted)
                    reduce_parquet(path, wanted=wanted, totals=totals, progress=report)
                    return _summary(totals, "", ".", "duckdb", allowed, skip_bad_rows)
                totals, header, used = _run_duckdb(path, request)
        else:
            totals, header, used = _run_python(source, request)
    finally:
        source.finish()
    return _summary(
        totals,
        header.delimiter,
        _decimal(decimal, header.delimiter),
        used,
        allowed,
        skip_bad_rows,
    )


class _Monotonic:
    """Pass on progress reports only when they grow (engines may restart a file)."""

    def __init__(self, progress: Callable[[int], Any] | None) -> None:
        self.progress = progress
        self.shown = -1

    def __call__(self, done: int) -> None:
        if self.progress is not None and done > self.shown:
            self.shown = done
            self.progress(done)


def _decimal(decimal: str | None, delimiter: str) -> str:
    return decimal or ("," if delimiter == ";" else ".")


@dataclass(frozen=True)
class _Request:
    """What the caller asks of a CSV file, whichever engine reads it."""

    wanted: dict[str, str]  # column name by role
    allowed: list[str] | None  # the variants allowed (None: any)
    limit: int  # bad rows reported at the most
    delimiter: str | None  # None: detected
    decimal: str | None  # None: by the delimiter
    progress: Callable[[int], Any]


def _prepare(
    stream: IO[bytes], encoding: str, request: _Request
) -> tuple[Any, dict[str, Any], Totals]:
    header = read_header(stream, encoding, request.delimiter, list(request.wanted.values()))
    roles = resolve_columns(header.names, request.wanted)
    names = {role: header.names[index].strip(SPACES) for role, index in roles.items()}
    options = {
        "columns": len(header.names),
        "roles": roles,
        "delimiter": header.delimiter,
        "decimal": _decimal(request.decimal, header.delimiter),
        "names": names,
        "progress": request.progress,
    }
    request.progress(header.offset)
    totals = Totals(request.allowed, request.limit, "conversion" in roles, "value" in roles)
    return header, options, totals


def _run_duckdb(path: str, request: _Request) -> tuple[Totals, Any, str]:
    with open(path, "rb") as stream:
        header, options, totals = _prepare(stream, "utf-8", request)
    try:
        reduce_with_duckdb(path, totals=totals, data_start=header.offset, **options)
        request.progress(os.path.getsize(path))
        return totals, header, "duckdb"
    except Unsupported:
        pass  # the pure-Python engine gives the exact answer
    with open(path, "rb") as stream:
        source = open_source(stream, "utf-8")
        return _run_python(source, request)


def _run_python(source: Any, request: _Request) -> tuple[Totals, Any, str]:
    header, options, totals = _prepare(source.stream, source.encoding, request)
    reader = CountingReader(header.remainder, source.stream, offset=header.offset)
    reduce_with_python(reader, totals=totals, encoding=source.encoding, header_lines=1, **options)
    return totals, header, "python"


def _summary(
    totals: Totals,
    delimiter: str,
    decimal: str,
    engine: str,
    allowed: list[str] | None,
    skip_bad_rows: bool,
) -> PerUserSummary:
    bad_rows = totals.bad_rows()
    if totals.bad_count and not skip_bad_rows:
        shown = "; ".join(f"line {row.line}: {row.reason}" for row in bad_rows[:5])
        if totals.bad_count > 5:
            shown += "; …"
        raise BadRowsError(
            msg.BAD_ROWS_REFUSED.format(count=totals.bad_count, shown=shown),
            bad_rows=bad_rows,
            bad_row_count=totals.bad_count,
        )
    variants = []
    for i, name in enumerate(totals.names):
        n = int(totals.n[i])
        if n == 0 and allowed is None:
            continue  # a name seen only on bad rows
        variants.append(
            VariantTotals(
                name=name,
                n=n,
                conversions=None if totals.conversions is None else int(totals.conversions[i]),
                value_mean=None if totals.mean is None or n == 0 else totals.value_mean(i),
                value_m2=None if totals.m2 is None or n == 0 else float(totals.m2[i]),
            )
        )
    rows = sum(v.n for v in variants)
    if rows == 0:
        raise StatsInputError(
            msg.NO_GOOD_ROWS.format(bad=totals.bad_count) if totals.bad_count else msg.NO_DATA_ROWS
        )
    return PerUserSummary(
        tuple(variants),
        rows,
        totals.blank_rows,
        totals.bad_count,
        tuple(bad_rows),
        delimiter,
        decimal,
        engine,
    )
