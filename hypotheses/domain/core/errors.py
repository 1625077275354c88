"""Typed domain errors. Each can carry the form field it belongs to."""

from __future__ import annotations


class DomainError(Exception):
    """A rule refused the action; *field* names the input it concerns, if any."""

    code = "invalid"
    status = 422

    def __init__(self, message: str, field: str | None = None, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details

    @property
    def fields(self) -> dict[str, list[str]]:
        return {self.field: [self.message]} if self.field else {}


class ValidationFailed(DomainError):
    """Several fields are invalid at once."""

    def __init__(
        self, errors: dict[str, list[str]], message: str = "Some fields are invalid."
    ) -> None:
        super().__init__(message)
        self.errors = errors

    @property
    def fields(self) -> dict[str, list[str]]:
        return self.errors


class NotFound(DomainError):
    code = "not_found"
    status = 404


class Forbidden(DomainError):
    code = "forbidden"
    status = 403


class Conflict(DomainError):
    """The action clashes with the record's current state (wrong status, duplicate)."""

    code = "conflict"
    status = 409


class StaleVersion(Conflict):
    """The record changed since the form was loaded; *changes* lists what changed."""

    code = "stale_version"

    def __init__(
        self, message: str, changes: list[dict] | None = None, current_version: int | None = None
    ) -> None:
        super().__init__(message, field=None)
        self.changes = changes or []
        self.current_version = current_version


class LimitReached(Conflict):
    """A team bound (backlog size, active tests) refuses the action."""

    code = "limit_reached"
