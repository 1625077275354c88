"""Sign-in throttling: an exponential delay after repeated failures, per key.

Accounts are never locked (that would let anyone lock a user out, ASVS V6.3.1); instead
each attempt after the free ones must wait longer. The sign-in form counts two keys: the
pair of account and address (a few free attempts: it slows the one guessing) and the
address alone (a much higher ceiling: it slows spraying many accounts, without locking out
the account's owner elsewhere or the neighbours behind the same proxy or NAT).

``reserve_attempt`` makes the count atomic: the keys' rows are locked, the delay checked and
the attempt counted in one short transaction before the (slow) password check, so parallel
guesses cannot all slip through before the first failure is recorded.
"""

from __future__ import annotations

import math
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from hypotheses.domain.core.transaction import write_lock
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


def reserve_attempt(
    session: Session, limits: list[tuple[str, int]], *, window: int, max_delay: int
) -> int:
    """Count one sign-in attempt against each (key, free attempts) pair, unless one must wait.

    Returns 0 when the attempt may go ahead (it is then counted as a failure until
    ``attempt_succeeded`` says otherwise), else the seconds to wait (nothing counted).
    Locks the keys' rows for the check and the count only, and commits.
    """
    keys = [key for key, _free in limits]
    _create_missing(session, keys)
    write_lock(session)  # SQLite: the check and the count below are one locked step
    rows = select(LoginThrottle).where(col(LoginThrottle.key).in_(keys)).with_for_update()
    session.exec(rows.execution_options(populate_existing=True)).all()
    wait = max(
        login_delay(session, [key], free=free, window=window, max_delay=max_delay)
        for key, free in limits
    )
    if wait > 0:
        session.rollback()
        return wait
    note_failure(session, keys, window=window)
    return 0


def attempt_succeeded(session: Session, *, clear: list[str], release: list[str]) -> None:
    """After a successful sign-in: forget *clear* keys, take the attempt back from *release*.

    Not committed: it belongs to the sign-in's transaction.
    """
    clear_failures(session, clear)
    for key in release:
        row = session.get(LoginThrottle, key)
        if row is not None and row.failures > 0:
            row.failures -= 1


def _create_missing(session: Session, keys: list[str]) -> None:
    """Make sure each key has a row to lock (a zero count); commits when it adds one."""
    found = session.exec(select(LoginThrottle.key).where(col(LoginThrottle.key).in_(keys))).all()
    missing = [key for key in keys if key not in set(found)]
    if not missing:
        return
    now = utcnow()
    for key in missing:
        session.add(LoginThrottle(key=key, failures=0, window_start=now, last_failure=now))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()  # another attempt created one first: add the rest one by one
        for key in missing:
            try:
                session.add(LoginThrottle(key=key, failures=0, window_start=now, last_failure=now))
                session.commit()
            except IntegrityError:
                session.rollback()
