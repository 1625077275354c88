"""Reading results files: aggregated CSV (one row per variant) and per-user CSV (streamed).

Aggregated files are small and parsed here (decoded and their delimiter found by
core.csvfiles, numbers read by core.numbers): UTF-8 with or without BOM or Windows-1251,
``,``, ``;`` or tab, CRLF or LF, decimal comma, ``16 000``, header names in English or Russian
in any case (Russian Excel's ``;`` with decimal commas included). Per-user files may be huge
and are reduced by ``stats.reduce_per_user_csv`` in one streaming pass (never read whole).
Any bad row refuses the whole file; the error lists the row numbers (the header is row 1).
"""

from __future__ import annotations

import csv
import io
from typing import IO, Any

from flask_babel import gettext as _
from flask_babel import ngettext

from hypotheses.domain.core.csvfiles import decode, detect_delimiter
from hypotheses.domain.core.errors import DomainError, ValidationFailed
from hypotheses.domain.core.numbers import to_int, to_number
from hypotheses.domain.experiments.results import MAX_COUNT
from hypotheses.enums import MetricKind

MAX_AGGREGATED_BYTES = 1024 * 1024
MAX_AGGREGATED_ROWS = 50
SHOWN_PROBLEMS = 20
FIELD = "file"
# Accepted header names (lower-case) for each column, English and Russian (our own results
# export writes "Вариант", "Посетители", "Конверсии", "n", "Среднее", "Ст. отклонение").
ALIASES = {
    "variant": ("variant", "variation", "group", "arm", "name", "вариант", "группа"),
    "visitors": (
        "visitors",
        "users",
        "exposures",
        "participants",
        "trials",
        "посетители",
        "пользователи",
        "участники",
    ),
    "conversions": ("conversions", "converted", "successes", "конверсии", "целевые действия"),
    "n": ("n", "count", "users", "visitors", "количество", "пользователи", "посетители"),
    "mean": ("mean", "average", "avg", "среднее", "среднее значение"),
    "sd": (
        "sd",
        "std",
        "stdev",
        "std_dev",
        "standard deviation",
        "standard_deviation",
        "ст. отклонение",
        "ст отклонение",
        "стандартное отклонение",
        "ско",
    ),
}
COLUMNS = {
    MetricKind.CONVERSION.value: ("variant", "visitors", "conversions"),
    MetricKind.CONTINUOUS.value: ("variant", "n", "mean", "sd"),
}


def refuse(problems: list[tuple[int, str]], total: int | None = None) -> ValidationFailed:
    """Build the error for a refused file: the first 20 problems with row numbers, and a count."""
    total = total if total is not None else len(problems)
    shown = [
        _("Row %(row)d: %(problem)s", row=row, problem=text)
        for row, text in problems[:SHOWN_PROBLEMS]
    ]
    head = ngettext(
        "The file was refused (nothing was saved): %(num)d row has a problem.",
        "The file was refused (nothing was saved): %(num)d rows have problems.",
        total,
    )
    if total > len(shown):
        shown.append(_("… and %(n)d more.", n=total - len(shown)))
    return ValidationFailed({FIELD: [head, *shown]}, head)


def _whole_file_error(message: str) -> DomainError:
    return DomainError(
        _("The file was refused (nothing was saved): %(why)s", why=message), field=FIELD
    )


def read_text(file: IO[bytes] | IO[str], *, limit: int = MAX_AGGREGATED_BYTES) -> str:
    """Read a small upload as text (csvfiles.decode: UTF-8, BOM allowed, no NUL bytes), at
    most *limit* bytes."""
    raw = file.read(limit + 1)
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    if len(raw) > limit:
        raise _whole_file_error(
            _(
                "an aggregated results file may be at most %(kb)d kB; for one row "
                "per user, use the per-user upload.",
                kb=limit // 1024,
            )
        )
    if not raw.strip():
        raise _whole_file_error(_("it is empty."))
    try:
        return decode(raw)
    except DomainError as error:
        raise _whole_file_error(error.message) from None


def header_map(header: list[str], wanted: tuple[str, ...]) -> dict[str, int]:
    """Return {column: index} for *wanted* columns, matching names case-insensitively."""
    names = [h.strip().lower() for h in header]
    found: dict[str, int] = {}
    problems = []
    for column in wanted:
        hits = [i for i, name in enumerate(names) if name in ALIASES[column]]
        if not hits:
            problems.append(_("the column “%(col)s” is missing", col=column))
        elif len(hits) > 1:
            problems.append(_("the column “%(col)s” appears more than once", col=column))
        else:
            found[column] = hits[0]
    if problems:
        raise _whole_file_error(
            _(
                "%(problems)s. Expected columns: %(cols)s (found: %(found)s).",
                problems="; ".join(problems),
                cols=", ".join(wanted),
                found=", ".join(h.strip() for h in header) or "—",
            )
        )
    return found


def _count(text: str) -> int | None:
    return to_int(text, minimum=0, maximum=MAX_COUNT)


def _decimal(text: str) -> float | None:
    return to_number(text)


def _parse_row(kind: str, cells: dict[str, str]) -> tuple[dict[str, Any] | None, str | None]:
    """Return (numbers, None) or (None, problem) for one data row."""
    if kind == MetricKind.CONVERSION:
        visitors, conversions = _count(cells["visitors"]), _count(cells["conversions"])
        if visitors is None or conversions is None:
            return None, _(
                "visitors and conversions must be whole numbers ≥ 0 (got “%(v)s”, “%(c)s”).",
                v=cells["visitors"][:20],
                c=cells["conversions"][:20],
            )
        if conversions > visitors:
            return None, _(
                "conversions (%(c)d) exceed visitors (%(v)d).", c=conversions, v=visitors
            )
        return {"visitors": visitors, "conversions": conversions}, None
    n, mean, sd = _count(cells["n"]), _decimal(cells["mean"]), _decimal(cells["sd"])
    if n is None or mean is None or sd is None:
        return None, _(
            "n must be a whole number, mean and sd finite numbers (got “%(n)s”, “%(m)s”, “%(s)s”).",
            n=cells["n"][:20],
            m=cells["mean"][:20],
            s=cells["sd"][:20],
        )
    if sd < 0:
        return None, _("the standard deviation cannot be negative.")
    return {"n": n, "mean": mean, "sd": sd}, None


def parse_aggregated(
    file: IO[bytes] | IO[str], *, metric_kind: str, variant_names: list[str]
) -> list[dict[str, Any]]:
    """Parse an aggregated results CSV into one dict per variant (in *variant_names* order).

    :raises DomainError: the file as a whole is unusable (encoding, header, size).
    :raises ValidationFailed: some rows are bad; every problem is listed with its row number.
    """
    text = read_text(file)
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    if not first:
        raise _whole_file_error(_("it is empty."))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=detect_delimiter(text))
    try:
        records = list(reader)
    except csv.Error as error:
        raise _whole_file_error(_("it is not valid CSV (%(err)s).", err=str(error))) from None
    numbered = [(i + 1, r) for i, r in enumerate(records) if any(c.strip() for c in r)]
    (_hrow, header), data = numbered[0], numbered[1:]
    columns = header_map(header, COLUMNS[metric_kind])
    if not data:
        raise _whole_file_error(_("it has a header but no data rows."))
    if len(data) > MAX_AGGREGATED_ROWS:
        raise _whole_file_error(
            _(
                "an aggregated file has one row per variant, this one has %(n)d rows. "
                "For one row per user, use the per-user upload.",
                n=len(data),
            )
        )
    known = {name.casefold(): name for name in variant_names}
    problems: list[tuple[int, str]] = []
    found: dict[str, dict[str, Any]] = {}
    for row_number, record in data:
        cells = {c: (record[i] if i < len(record) else "") for c, i in columns.items()}
        name = cells["variant"].strip()
        canonical = known.get(name.casefold())
        numbers, problem = _parse_row(metric_kind, cells)
        if canonical is None:
            problem = _(
                "unknown variant “%(name)s” (this test has %(names)s).",
                name=name[:60],
                names=", ".join(variant_names),
            )
        elif canonical in found:
            problem = _("the variant “%(name)s” appears twice.", name=canonical)
        if problem:
            problems.append((row_number, problem))
        elif canonical is not None and numbers is not None:
            found[canonical] = {"name": canonical, **numbers}
    if problems:
        raise refuse(problems)
    missing = [name for name in variant_names if name not in found]
    if missing:
        raise _whole_file_error(
            _(
                "no row for %(names)s; every variant needs exactly one row.",
                names=", ".join(f"“{m}”" for m in missing),
            )
        )
    return [found[name] for name in variant_names]
