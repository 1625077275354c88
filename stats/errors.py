"""Errors raised by the statistics engine."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple


class StatsInputError(ValueError):
    """Invalid input to a statistics function; the message says what is wrong."""


class BadRow(NamedTuple):
    """One refused row of a per-user file: its line number and the reason."""

    line: int
    reason: str


class BadRowsError(StatsInputError):
    """A per-user file has bad rows and the caller did not ask to skip them."""

    def __init__(self, message: str, *, bad_rows: Sequence[BadRow], bad_row_count: int) -> None:
        super().__init__(message)
        self.bad_rows: tuple[BadRow, ...] = tuple(bad_rows)
        self.bad_row_count = bad_row_count
