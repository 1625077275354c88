"""ISO weeks as the review calendar: "2026-W47" strings, parsed and validated."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from flask_babel import gettext as _

from hypotheses.domain.core.errors import DomainError

_WEEK = re.compile(r"^([0-9]{4})-W([0-9]{2})$")


def week_of_date(day: date) -> str:
    """Return the ISO week of *day* as "YYYY-Www" (ISO year, which may differ at new year)."""
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def iso_week_of(day: date | datetime | None = None) -> str:
    """Return the ISO week of *day* (a datetime counts in UTC; default today, UTC)."""
    if day is None:
        day = datetime.now(UTC)
    if isinstance(day, datetime):
        day = day.astimezone(UTC).date() if day.tzinfo else day.date()
    return week_of_date(day)


def parse_iso_week(text: str) -> tuple[int, int]:
    """Return (year, week) of an ISO week string, refusing malformed or non-existent weeks.

    :raises DomainError: on "2026-47", "2026-W60", "2026-W53" in a 52-week year, etc.
    """
    match = _WEEK.fullmatch(text.strip()) if isinstance(text, str) else None
    if not match:
        raise DomainError(
            _("“%(text)s” is not an ISO week; write it like 2026-W07.", text=text), field="iso_week"
        )
    year, week = int(match.group(1)), int(match.group(2))
    if not 1 <= year <= 9998:
        raise DomainError(_("The year %(year)d is out of range.", year=year), field="iso_week")
    last = date(year, 12, 28).isocalendar()[1]  # 28 December is always in the year's last week
    if not 1 <= week <= last:
        raise DomainError(
            _(
                "%(year)d has ISO weeks 01 to %(last)d; “%(text)s” does not exist.",
                year=year,
                last=last,
                text=text,
            ),
            field="iso_week",
        )
    return year, week


def normalise_week(text: str) -> str:
    """Return the validated ISO week string."""
    year, week = parse_iso_week(text)
    return f"{year:04d}-W{week:02d}"


def monday_of(iso_week: str) -> date:
    """Return the Monday that starts *iso_week*."""
    year, week = parse_iso_week(iso_week)
    return date.fromisocalendar(year, week, 1)


def week_bounds(iso_week: str) -> tuple[date, date]:
    """Return the Monday and Sunday of *iso_week*."""
    monday = monday_of(iso_week)
    return monday, monday + timedelta(days=6)
