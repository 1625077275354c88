"""The other metrics' numbers in results files (issue 13).

Aggregated CSV: beside variant and the primary's columns, a conversion metric has the column
``<metric> conversions`` and a continuous metric ``<metric> mean`` and ``<metric> sd`` (names
matched case-insensitively). Per-user file: one column per metric, named as the metric (0/1
for a conversion metric, a number per user for a continuous one), each reduced in its own
streaming pass. A metric whose columns are absent is left out (a guardrail is then
untestable); bad values refuse the file like the primary's do.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from typing import IO, Any

import stats
from hypotheses.domain.core.csvfiles import detect_delimiter
from hypotheses.enums import MetricKind


def _columns(metric: Any) -> tuple[str, ...]:
    return ("conversions",) if metric.kind == MetricKind.CONVERSION else ("mean", "sd")


def attach_aggregated(rows: list[dict[str, Any]], text: str, metrics: list[Any]) -> None:
    """Add each variant row's ``metrics`` from an aggregated file's extra columns."""
    if not metrics or not text.strip():
        return
    records = [
        r
        for r in csv.reader(io.StringIO(text, newline=""), delimiter=detect_delimiter(text))
        if any(c.strip() for c in r)
    ]
    header = [h.strip().casefold() for h in records[0]]
    variant_index = header.index("variant") if "variant" in header else 0
    by_variant = {
        (r[variant_index] if variant_index < len(r) else "").strip().casefold(): r
        for r in records[1:]
    }
    for metric in metrics:
        wanted = [f"{metric.name} {c}".casefold() for c in _columns(metric)]
        if not all(w in header for w in wanted):
            continue
        for row in rows:
            record = by_variant.get(str(row["name"]).casefold(), [])
            cell = {
                key: (record[header.index(w)] if header.index(w) < len(record) else "").strip()
                for key, w in zip(_columns(metric), wanted, strict=True)
            }
            row.setdefault("metrics", {})[metric.name] = cell


def seekable(file: IO[bytes]) -> IO[bytes]:
    """*file* itself when it can be read again from the start, else a temporary copy (a
    request body streamed by the API): each metric takes its own pass."""
    try:
        if file.seekable():
            return file
    except (AttributeError, OSError, ValueError):
        pass
    copy = tempfile.SpooledTemporaryFile(max_size=8 << 20)  # noqa: SIM115 (returned open)
    shutil.copyfileobj(file, copy, 1 << 20)
    copy.seek(0)
    return copy


def attach_per_user(
    rows: list[dict[str, Any]],
    file: IO[bytes],
    metrics: list[Any],
    variant_column: str,
    names: list[str],
    error: Any,
) -> None:
    """Reduce each metric's column of a per-user file (one more streaming pass per metric)
    and add the numbers to the variant rows; *error* turns an engine refusal into the
    file's DomainError."""
    if not metrics:
        return
    for metric in metrics:
        file.seek(0)
        key = "conversion_column" if metric.kind == MetricKind.CONVERSION else "value_column"
        try:
            summary = stats.reduce_per_user_csv(
                file,
                variant_column=variant_column,
                variants=names,
                skip_bad_rows=False,
                **{key: metric.name},
            )
        except stats.StatsInputError as refusal:
            if str(refusal).startswith("Column(s)"):
                continue  # the file does not carry this metric
            raise error(refusal) from None
        totals = {v.name: v for v in summary.variants}
        for row in rows:
            item = totals.get(row["name"])
            if item is None:
                continue
            if metric.kind == MetricKind.CONVERSION:
                cell = {"conversions": item.conversions}
            else:
                cell = {"mean": item.value_mean, "sd": item.value_sd}
            row.setdefault("metrics", {})[metric.name] = cell
