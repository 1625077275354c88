"""Numbers from outside (forms, CSV files, KPI fields, JSON): the one parser.

Accepts what people type in either language: ``0.05`` and ``0,05``; thousands grouped by a
space, a no-break space (U+00A0) or a narrow no-break space (U+202F): ``16 000``; an optional
exponent (``1e-3``); and, where a percentage is asked, a trailing ``%`` (``3,5 %``).
Refuses NaN, infinities, ``1_000``, non-ASCII digits and anything non-finite. Integers are
range-checked here, where they enter (by default the database's INTEGER range), so a
20-digit or 5,000-digit number gets a clear message and never an exception further on.

``parse_number`` / ``parse_int`` raise NumberError (a ValueError whose message is for people);
``to_number`` / ``to_int`` return None instead, for callers that word their own message.
"""

from __future__ import annotations

import math
import re
from typing import Any

from flask_babel import lazy_gettext as _l

INT32_MIN = -(2**31)
INT32_MAX = 2**31 - 1
MAX_LENGTH = 64  # characters of a number as typed; longer is refused before any conversion
MAX_DIGITS = 30  # an integer with more digits is out of any range we accept

_GROUP = " \u00a0\u202f\u2009"  # space, no-break space, narrow no-break space, thin space
_NUMBER = re.compile(
    r"(?P<sign>[-+\u2212]?)"
    r"(?P<whole>[0-9]{1,3}(?:[ \u00a0\u202f\u2009][0-9]{3})+|[0-9]+)"
    r"(?:[.,](?P<frac>[0-9]+))?"
    r"(?:[eE](?P<exp>[-+]?[0-9]{1,3}))?"
)
_PERCENT = re.compile(r"[ \u00a0\u202f\u2009]*%$")
_NON_FINITE = {"nan", "inf", "infinity"}


class NumberError(ValueError):
    """A value that is not an acceptable number; ``message`` says why, for people."""

    def __init__(self, message: Any) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


def is_blank(raw: Any) -> bool:
    """True for None and for text that is empty or only spaces."""
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _match(raw: str, percent: bool) -> re.Match[str] | None:
    text = raw.strip()
    if percent:
        text = _PERCENT.sub("", text)
    if len(text) > MAX_LENGTH:
        return None
    return _NUMBER.fullmatch(text)


def _is_non_finite_word(raw: str) -> bool:
    return raw.strip().lstrip("+-\u2212").lower() in _NON_FINITE


def parse_number(
    raw: Any,
    *,
    percent: bool = False,
    minimum: float | None = None,
    maximum: float | None = None,
) -> float:
    """Return *raw* (text or a number) as a finite float within the bounds.

    :raises NumberError: blank, not a number, not finite, or out of bounds.
    """
    if isinstance(raw, bool) or raw is None:
        raise NumberError(_l("Enter a number, like 0.05."))
    if isinstance(raw, int | float):
        value = float(raw) if not isinstance(raw, int) or abs(raw) < 10**300 else math.inf
    elif isinstance(raw, str):
        if _is_non_finite_word(raw):
            raise NumberError(_l("Enter a finite number."))
        found = _match(raw, percent)
        if found is None:
            raise NumberError(_l("Enter a number, like 0.05."))
        value = float(_plain(found))
    else:
        raise NumberError(_l("Enter a number, like 0.05."))
    if not math.isfinite(value):
        raise NumberError(_l("Enter a finite number."))
    _check_bounds(value, minimum, maximum, whole=False)
    return value


def parse_int(raw: Any, *, minimum: int = INT32_MIN, maximum: int = INT32_MAX) -> int:
    """Return *raw* (text, an int or an integral float) as an int within the bounds.

    Text may group thousands by spaces (``16 000``); decimals and exponents are refused.
    :raises NumberError: blank, not a whole number, or out of bounds.
    """
    if isinstance(raw, bool) or raw is None:
        raise NumberError(_l("Enter a whole number, like 7."))
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, float):
        if not (math.isfinite(raw) and raw.is_integer()):
            raise NumberError(_l("Enter a whole number, like 7."))
        value = int(raw) if abs(raw) < 1e30 else (maximum + 1 if raw > 0 else minimum - 1)
    elif isinstance(raw, str):
        found = _match(raw, percent=False)
        if found is None or found["frac"] is not None or found["exp"] is not None:
            raise NumberError(_l("Enter a whole number, like 7."))
        digits = _plain(found)
        if len(digits.lstrip("-").lstrip("0")) > MAX_DIGITS:
            value = maximum + 1 if not digits.startswith("-") else minimum - 1
        else:
            value = int(digits)
    else:
        raise NumberError(_l("Enter a whole number, like 7."))
    _check_bounds(value, minimum, maximum, whole=True)
    return value


def to_number(raw: Any, **bounds: Any) -> float | None:
    """parse_number, or None when *raw* is not an acceptable number."""
    try:
        return parse_number(raw, **bounds)
    except NumberError:
        return None


def to_int(raw: Any, **bounds: Any) -> int | None:
    """parse_int, or None when *raw* is not an acceptable whole number."""
    try:
        return parse_int(raw, **bounds)
    except NumberError:
        return None


def _plain(found: re.Match[str]) -> str:
    """The matched number in Python's syntax: '-', no grouping, '.' for the decimals."""
    sign = "-" if found["sign"] in ("-", "\u2212") else ""
    whole = found["whole"].translate({ord(c): None for c in _GROUP})
    text = sign + whole
    if found["frac"] is not None:
        text += "." + found["frac"]
    if found["exp"] is not None:
        text += "e" + found["exp"]
    return text


def _check_bounds(value: float, minimum: float | None, maximum: float | None, whole: bool) -> None:
    if minimum is not None and value < minimum:
        if whole:
            raise NumberError(_l("Enter a whole number of at least %(min)s.", min=minimum))
        raise NumberError(_l("Enter a number of at least %(min)s.", min=minimum))
    if maximum is not None and value > maximum:
        if whole:
            raise NumberError(_l("Enter a whole number no greater than %(max)s.", max=maximum))
        raise NumberError(_l("Enter a number no greater than %(max)s.", max=maximum))
