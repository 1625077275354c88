"""CSV cells and files safe against formula injection, in a dialect (core.csvdialects).

``safe_cell`` is the one place that neutralises spreadsheet formulas (OWASP CSV injection):
a text cell starting with = + - @ tab, CR or LF gets a leading apostrophe. Numbers are written
as numbers (a negative lift stays numeric) with the dialect's decimal mark (``;`` and a decimal
comma for Excel set to Russian); dates are ISO; yes/no are in the exporting user's language.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from flask_babel import pgettext

from hypotheses.domain.core.csvdialects import STANDARD, Dialect

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value: Any) -> Any:
    """Return a cell value that a spreadsheet will not run as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value if not isinstance(value, float) or math.isfinite(value) else ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(TRIGGERS) else text


def _cell(value: Any, dialect: Dialect) -> Any:
    """A safe cell in *dialect*: floats with its decimal mark, yes/no in the user's language."""
    if isinstance(value, bool):
        return pgettext("CSV value", "true") if value else pgettext("CSV value", "false")
    value = safe_cell(value)
    if isinstance(value, float) and dialect.decimal != ".":
        return repr(value).replace(".", dialect.decimal)
    return value


def write_csv(
    headers: list[str],
    rows: list[list[Any]] | Iterator[list[Any]],
    dialect: Dialect = STANDARD,
) -> str:
    """Return CSV text in *dialect* (CRLF, minimal quoting) with every cell made safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=dialect.delimiter, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in headers])
    for row in rows:
        writer.writerow([_cell(cell, dialect) for cell in row])
    return buffer.getvalue()
