"""How far a running test got: the one formula for days left and progress.

Every page (the Tests list, the test page, the dashboard, the board, the review agenda) and
the API read these two functions, so they never disagree.

* **Days left** count calendar days in UTC: the planned end is the start date plus the planned
  duration, and days left is that end minus today — 0 on the planned last day, negative once
  it has passed (overdue). The time of day of the start does not matter.
* **Progress** is the sample collected over the sample planned, floored to a whole percent
  (never "100 %" below the plan), not capped above 100.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

from hypotheses.enums import ExperimentStatus
from hypotheses.models import Experiment


def planned_end(started_at: datetime | None, duration_days: int | None) -> date | None:
    """The planned end date (UTC) of a test started at *started_at*, or None."""
    if started_at is None or not duration_days:
        return None
    if started_at.tzinfo is not None:
        started_at = started_at.astimezone(UTC)
    return started_at.date() + timedelta(days=duration_days)


def days_left(experiment: Experiment, today: date) -> int | None:
    """Calendar days from *today* (UTC) to the planned end of a running test; negative when
    overdue; None when the test does not run or has no start or planned duration."""
    if experiment.status != ExperimentStatus.RUNNING:
        return None
    end = planned_end(experiment.started_at, experiment.duration_days)
    return None if end is None else (end - today).days


def share(collected: int | None, planned: int | None) -> float | None:
    """Collected over planned (not capped); None without a plan or results."""
    if not planned or collected is None:
        return None
    return collected / planned


def percent(collected: int | None, planned: int | None) -> int | None:
    """The progress in whole percent, floored (99 until the plan is reached), not capped."""
    fraction = share(collected, planned)
    return None if fraction is None else math.floor(100 * fraction + 1e-9)
