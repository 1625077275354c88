"""Sign-in throttling: an exponential delay per e-mail and per IP after repeated failures.

Accounts are never locked (that would let anyone lock a user out, ASVS V6.3.1); instead
each attempt after the free ones must wait longer.
"""

from __future__ import annotations

import math
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from hypotheses.models import LoginThrottle, utcnow


def login_delay(
    session: Session, keys: list[str], *, free: int, window: int, max_delay: int
) -> int:
    """Return how many seconds the next attempt for *keys* must wait (0 if none).

    After *free* failures inside *window* seconds, each further attempt waits
    2**(failures - free) seconds after the last failure, capped at *max_delay*.
    """
    now = utcnow()
    delay = 0
    for key in keys:
        row = session.get(LoginThrottle, key)
        if row is None or now - row.window_start > timedelta(seconds=window):
            continue
        over = row.failures - free
        if over >= 0:
            wait = timedelta(seconds=min(max_delay, 2 ** min(over, 16)))
            remaining = (row.last_failure + wait - now).total_seconds()
            delay = max(delay, math.ceil(remaining))  # round up: never tell "0 seconds"
    return max(0, delay)


def note_failure(session: Session, keys: list[str], *, window: int) -> None:
    """Count a failed sign-in against each key. Commits."""
    for attempt in range(2):
        now = utcnow()
        for key in keys:
            row = session.get(LoginThrottle, key)
            if row is None:
                session.add(LoginThrottle(key=key, failures=1, window_start=now, last_failure=now))
            elif now - row.window_start > timedelta(seconds=window):
                row.failures, row.window_start, row.last_failure = 1, now, now
            else:
                row.failures += 1
                row.last_failure = now
        try:
            session.commit()
            return
        except IntegrityError:
            # Two failures for a new key at once (PostgreSQL): count again on the row that won.
            session.rollback()
            if attempt:
                raise


def clear_failures(session: Session, keys: list[str]) -> None:
    """Forget failed attempts for *keys* after a successful sign-in (not committed)."""
    for key in keys:
        row = session.get(LoginThrottle, key)
        if row is not None:
            session.delete(row)
