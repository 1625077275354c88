"""The use-case transaction: take the write lock late, commit once, roll back on any refusal.

On SQLite a request's Session begins *deferred* transactions (hypotheses.db): reading, signing
in, checking a password, parsing a file and rendering a page never hold the database's write
lock, so they run beside a writer (WAL). A use case that writes takes the lock with
``write_lock`` right before the reads that decide its writes, does only database work while
holding it, and commits. Slow work (password hashing, file reduction, statistics) is done
before the lock is taken. On PostgreSQL row locks come with the statements themselves and end
at the commit that closes the use case.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

# Execution option of a connection whose SQLite transactions begin deferred (hypotheses.db).
DEFERRED = "hypotheses_deferred_begin"
# session.info key: the current transaction holds SQLite's write lock.
LOCKED = "hypotheses_write_locked"


def holds_write_lock(session: Session) -> bool:
    """Tell whether *session*'s current transaction took SQLite's write lock (write_lock)."""
    return bool(session.info.get(LOCKED))


def _deferred(session: Session) -> bool:
    bind = session.get_bind()
    return bool(getattr(bind, "get_execution_options", dict)().get(DEFERRED))


def lock_now(session: Session) -> bool:
    """Take SQLite's write lock for the rest of the transaction; True when it was just taken.

    A deferred transaction's read snapshot ends (COMMIT: it only read) and BEGIN IMMEDIATE
    queues behind other writers (busy_timeout) instead of failing on a stale snapshot. The
    Session's own transaction goes on; objects it holds are not refreshed (see write_lock).
    """
    if not _deferred(session) or session.info.get(LOCKED):
        return False
    conn = session.connection()
    conn.exec_driver_sql("COMMIT")
    conn.exec_driver_sql("BEGIN IMMEDIATE")
    session.info[LOCKED] = True
    return True


def write_lock(session: Session) -> None:
    """Start the writing part of a use case: from here the reads decide the writes.

    SQLite (a request's deferred Session): take the write lock now and expire the objects read
    before it (unless changed here), so the use case reads the rows as they are under the
    lock. Elsewhere (PostgreSQL, sessions that begin IMMEDIATE): nothing to do.
    """
    if not lock_now(session):
        return
    deleted = session.deleted
    for obj in list(session.identity_map.values()):
        if not inspect(obj).modified and obj not in deleted:
            session.expire(obj)


def release(session: Session, transaction: Any) -> None:
    """Forget the lock flag when the outermost transaction ends (after_transaction_end hook;
    a SAVEPOINT ending inside it keeps the lock)."""
    if transaction.parent is None:
        session.info.pop(LOCKED, None)


def use_case(on_lost_race: Callable[[Session, dict[str, Any]], Exception]):
    """Wrap a domain function that takes (session, **kwargs) in one locked transaction.

    The write lock is taken first (write_lock); do slow work before calling the use case.
    A concurrent update caught by the version column (StaleDataError) rolls back and raises
    ``on_lost_race(session, kwargs)``, the area's own refusal for a lost race.
    """

    def decorator(fn):
        @wraps(fn)
        def wrapper(session: Session, **kwargs: Any):
            try:
                write_lock(session)
                result = fn(session, **kwargs)
                session.commit()
                return result
            except StaleDataError:
                session.rollback()
                raise on_lost_race(session, kwargs) from None
            except BaseException:
                session.rollback()
                raise

        return wrapper

    return decorator
