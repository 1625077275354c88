"""The use-case transaction: commit once on success, roll back on any refusal."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session


def use_case(on_lost_race: Callable[[Session, dict[str, Any]], Exception]):
    """Wrap a domain function that takes (session, **kwargs) in one transaction.

    A concurrent update caught by the version column (StaleDataError) rolls back and raises
    ``on_lost_race(session, kwargs)``, the area's own refusal for a lost race.
    """

    def decorator(fn):
        @wraps(fn)
        def wrapper(session: Session, **kwargs: Any):
            try:
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
