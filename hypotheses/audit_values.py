"""Audit trail values as the rest of the page writes them (Jinja global ``audit_value``).

The audit trail stores raw values (ISO timestamps, stored codes, plain numbers); the page
shows them in the reader's format: dates and times by ``day``/``moment``, statuses and other
vocabulary codes by their labels, numbers by the locale's number format, yes/no for flags.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import format_decimal
from flask_babel import gettext as _

from hypotheses import enums
from hypotheses.languages import day, moment

EMPTY = "—"
LIMIT = 160
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Stored codes whose labels the reader knows, by field name.
VOCABULARIES: dict[str, type[enums.Vocabulary]] = {
    "status": enums.Status,
    "stage": enums.Stage,
    "lever": enums.Lever,
    "subject": enums.Subject,
    "metric_kind": enums.MetricKind,
    "decision": enums.Decision,
    "outcome": enums.Outcome,
    "role": enums.Role,
    "score_formula": enums.ScoreFormula,
    "early_look_method": enums.EarlyLookMethod,
}


def _when(text: str) -> str | None:
    """Return an ISO date or timestamp in the reader's format, or None when it is not one."""
    if _DATETIME.fullmatch(text):
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
        if parsed.tzinfo is not None:  # stored times are UTC; the page says so
            parsed = parsed.astimezone(UTC).replace(tzinfo=None)
        return f"{moment(parsed)} UTC"
    if _DATE.fullmatch(text):
        try:
            return day(date.fromisoformat(text))
        except ValueError:
            return None
    return None


def audit_value(field: str, value: Any) -> str:
    """Return one old or new value of *field* from an audit entry, as the page writes it."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int | float):
        return format_decimal(value)
    if isinstance(value, datetime):
        return f"{moment(value)} UTC"
    if isinstance(value, date):
        return day(value)
    text = str(value)
    vocabulary = VOCABULARIES.get(field)
    if vocabulary is not None:
        return str(vocabulary.label_of(text))
    when = _when(text)
    if when is not None:
        return when
    return text if len(text) <= LIMIT else text[: LIMIT - 1] + "…"
