"""Reading an uploaded CSV: size and encoding checks, the delimiter, the header and the rows.

The one place that decodes uploads (``decode``) and picks their delimiter
(``detect_delimiter``): the backlog import and the results files both use it.
UTF-8 with or without BOM, or Windows-1251 (what older Russian Excel saves) when the bytes are
not UTF-8 and read as Russian text; ``,``, ``;`` or tab (taken from the header), CRLF/LF/CR,
quoted newlines. Problems with the file as a whole raise ValidationFailed on the ``file`` field
(TooLarge, answered with 413, for an oversize file); a row longer than the header is noted
as that row's problem. Pure: no database.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field

from flask_babel import gettext as _

from hypotheses.domain.core.errors import DomainError, ValidationFailed

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 1000
MAX_COLUMNS = 50
MAX_CELL = 20_000


class TooLarge(DomainError):
    """The upload is over the size limit (answered with 413)."""

    code = "too_large"
    status = 413


def file_error(message: str) -> ValidationFailed:
    """A problem with the file as a whole (shown next to the upload field)."""
    return ValidationFailed({"file": [message]}, message)


# ---------------------------------------------------------------- reading a file


@dataclass
class Table:
    """A parsed CSV: its header, its data rows (spreadsheet row number, cells) and its hash."""

    headers: list[str]
    rows: list[tuple[int, list[str]]]
    delimiter: str
    file_hash: str
    problems: dict[int, list[str]] = field(default_factory=dict)  # row number -> messages
    encoding: str = "UTF-8"  # as named to people: "UTF-8" or "Windows-1251"


# Read as Windows-1251, a Russian file has Cyrillic letters and typographic signs only, and
# never a Latin letter next to a Cyrillic one in a word ("Café" in Windows-1252 would).
_CP1251_SIGNS = set("«»№–—‘’‚“”„•…°±§©®™€\u00a0")
_MIXED_WORD = re.compile(r"[A-Za-z][\u0400-\u04ff]|[\u0400-\u04ff][A-Za-z]")


def _russian_text(text: str) -> bool:
    """Whether *text* (bytes that are not UTF-8, read as Windows-1251) reads as Russian."""
    others = {c for c in text if ord(c) > 127}
    cyrillic = {c for c in others if "\u0400" <= c <= "\u04ff"}
    return bool(cyrillic) and others <= cyrillic | _CP1251_SIGNS and not _MIXED_WORD.search(text)


def decode(data: bytes) -> str:
    """Return the text of an uploaded CSV; explain clearly when it cannot be read."""
    return decode_named(data)[0]


def decode_named(data: bytes) -> tuple[str, str]:
    """Return the text of an uploaded CSV and its encoding's name ("UTF-8", "Windows-1251")."""
    check_size(len(data))
    if not data.strip():
        raise file_error(_("The file is empty."))
    if b"\x00" in data:
        raise file_error(_("The file contains NUL bytes: it is not a plain-text CSV file."))
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError as error:
        try:
            text = data.decode("cp1251")
        except UnicodeDecodeError:
            text = ""
        if _russian_text(text):
            return text, "Windows-1251"
        line = data[: error.start].count(b"\n") + 1
        raise file_error(
            _(
                "The file is not UTF-8 text (line %(line)d cannot be read; it looks "
                "like an older Windows or Excel encoding). Save it as “CSV UTF-8” "
                "and upload it again.",
                line=line,
            )
        ) from None


DELIMITERS = (",", ";", "\t")


def _first_record(text: str, delimiter: str) -> list[str]:
    """The first non-blank record of *text* read with *delimiter* ([] when unreadable)."""
    try:
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            if any(cell.strip() for cell in record):
                return record
    except csv.Error:
        pass
    return []


def detect_delimiter(text: str) -> str:
    """Return the delimiter (``,``, ``;`` or tab) that splits the header into the most columns;
    on a tie the earlier one in that order."""
    counts = {d: len(_first_record(text, d)) for d in DELIMITERS}
    return max(DELIMITERS, key=lambda d: (counts[d], -DELIMITERS.index(d)))


def read_table(data: bytes) -> Table:
    """Parse an upload into header and rows; file-level problems raise ValidationFailed."""
    text, encoding = decode_named(data)
    delimiter = detect_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[list[str]] = []
    try:
        for record in reader:
            records.append(record)
            if len(records) > MAX_ROWS + 1:
                raise file_error(
                    _("The file has more than %(n)d rows; split it into smaller files.", n=MAX_ROWS)
                )
    except csv.Error as error:
        raise file_error(
            _(
                "Row %(row)d cannot be read as CSV (%(detail)s). Check its quotes.",
                row=len(records) + 1,
                detail=str(error),
            )
        ) from None
    headers = [h.strip() for h in records[0]] if records else []
    if not any(headers):
        raise file_error(_("The first row must name the columns; it is empty."))
    if len(headers) > MAX_COLUMNS:
        raise file_error(
            _(
                "The file has %(n)d columns; at most %(max)d are read.",
                n=len(headers),
                max=MAX_COLUMNS,
            )
        )
    missing = [str(i + 1) for i, h in enumerate(headers) if not h]
    if missing:
        raise file_error(
            _(
                "Every column needs a name in the first row; column(s) %(cols)s have none.",
                cols=", ".join(missing),
            )
        )
    seen: dict[str, str] = {}
    for name in headers:
        if name.lower() in seen:
            raise file_error(_("Two columns are both called “%(name)s”; rename one.", name=name))
        seen[name.lower()] = name
    table = Table(
        headers=headers,
        rows=[],
        delimiter=delimiter,
        file_hash=hashlib.sha256(data).hexdigest(),
        encoding=encoding,
    )
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue  # blank line
        if len(record) > len(headers) and any(c.strip() for c in record[len(headers) :]):
            table.problems[number] = [
                _(
                    "This row has %(n)d cells but the header has %(m)d; check "
                    "the quotes and delimiters.",
                    n=len(record),
                    m=len(headers),
                )
            ]
        if any(len(cell) > MAX_CELL for cell in record):
            table.problems.setdefault(number, []).append(
                _("A cell is longer than %(n)d characters.", n=MAX_CELL)
            )
        table.rows.append((number, (record + [""] * len(headers))[: len(headers)]))
    if not table.rows:
        raise file_error(_("The file has a header row but no data rows."))
    return table


def check_size(size: int | None) -> None:
    """Refuse an upload over MAX_BYTES before reading it (TooLarge: 413)."""
    if size is not None and size > MAX_BYTES:
        raise TooLarge(
            _(
                "The file is larger than %(n)d MiB; split it into smaller files.",
                n=MAX_BYTES // (1024 * 1024),
            ),
            field="file",
        )
