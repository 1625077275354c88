"""Finishing a test (issue 13): a lead's action; below the planned sample it needs the lead's
confirmation and a written reason, recorded on the test and audited.

The finishing use cases (``results.finish`` and final results in ``results.record_results``)
check the lead's role, then ask ``check_finish`` before they move the test to finished.
"""

from __future__ import annotations

from typing import Any

from flask_babel import format_decimal
from flask_babel import gettext as _

from hypotheses.domain.core.errors import DomainError
from hypotheses.domain.experiments import progress
from hypotheses.languages import percent_sign
from hypotheses.models import Experiment

MAX_REASON = 1000


def smallest_arm(rows: Any) -> int | None:
    """The smallest per-variant sample of a result set's rows (None when unreadable)."""
    sizes = [r.get("visitors", r.get("n")) for r in rows or [] if isinstance(r, dict)]
    sizes = [s for s in sizes if isinstance(s, int) and not isinstance(s, bool)]
    return min(sizes) if sizes else None


def below_plan(experiment: Experiment, rows: Any) -> tuple[int, int] | None:
    """(collected, planned) per variant when *rows* stay below the planned sample, else None."""
    collected, planned = smallest_arm(rows), experiment.per_variant
    if collected is None or not planned or collected >= planned:
        return None
    return collected, planned


def clean_text(
    raw: Any, *, field: str, limit: int, required_message: str | None, one_line: bool = False
) -> str:
    """Return *raw* stripped, or refuse it (DomainError on *field*): empty (with
    *required_message*; None: empty is returned), longer than *limit*, on several lines when
    *one_line*, or with control characters."""
    text = raw.strip() if isinstance(raw, str) else ""
    if not text:
        if required_message is None:
            return text
        raise DomainError(required_message, field=field)
    if len(text) > limit:
        raise DomainError(
            _("Use at most %(max)d characters (this has %(n)d).", max=limit, n=len(text)),
            field=field,
        )
    if one_line and ("\n" in text or "\r" in text):
        raise DomainError(_("Keep it to one line."), field=field)
    if any(ord(c) < 32 and c not in "\n\r\t" or ord(c) == 127 for c in text):
        raise DomainError(_("Remove control characters from this field."), field=field)
    return text


def check_finish(
    experiment: Experiment, rows: Any, reason: Any, *, confirmed: bool, field: str = "reason"
) -> str | None:
    """Refuse finishing below the planned sample unless it is *confirmed* with a written
    *reason*; return the cleaned reason (None at or above the plan). *field* names the input a
    missing reason is reported on. Finishing is a lead's action: the use case checks the role
    (require_role "finish") first."""
    short = below_plan(experiment, rows)
    if short is None:
        return None
    collected, planned = short
    numbers = {
        "n": format_decimal(collected, "#,##0"),
        "planned": format_decimal(planned, "#,##0"),
        "percent": format_decimal(progress.percent(collected, planned), "#,##0") + percent_sign(),
    }
    text = clean_text(reason, field="reason", limit=MAX_REASON, required_message=None)
    if not text:
        message = _(
            "The results have %(n)s of the planned %(planned)s per variant (%(percent)s). "
            "Finishing below the planned sample needs your confirmation and a written reason.",
            **numbers,
        )
        if field == "final":
            message += " " + _("Enter them without “final”, then finish the test with a reason.")
        raise DomainError(message, field=field)
    if not confirmed:
        raise DomainError(
            _("Confirm that the test ends below its planned sample (%(percent)s).", **numbers),
            field="confirm",
        )
    return text
