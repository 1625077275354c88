"""Answers built by field name: a response model filled from a row's attributes or a dict."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)


def filled(model: type[M], read: Callable[[str], Any], **given: Any) -> M:
    """Return *model* with the *given* values and every other field read by its name with
    *read* (a row's attribute, a dict's value)."""
    return model(**{name: read(name) for name in model.model_fields if name not in given}, **given)


def of_row(row: Any) -> Callable[[str], Any]:
    """Read a field from *row*'s attribute of the same name."""
    return lambda name: getattr(row, name)
