"""Bearer-token authentication for the API, with the browser's permission table.

The API never looks at the session cookie: a request without a valid
``Authorization: Bearer <token>`` header gets 401 even when the browser that sends it is signed
in. The role is read from the user's membership on every request
(hypotheses.domain.accounts.tokens).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import g, request
from flask_babel import gettext as _

from hypotheses.api.errors import ApiError
from hypotheses.db import get_session
from hypotheses.domain.accounts import tokens
from hypotheses.models import User
from hypotheses.permissions import guarded, role_can

F = TypeVar("F", bound=Callable[..., Any])


def bearer_token() -> str | None:
    """Return the token of an ``Authorization: Bearer`` header, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def authenticate() -> None:
    """Put the token's user, team and role on g (g.api_user, g.team, g.role); 401 otherwise."""
    # Whatever the session cookie said, the API acts only for the token's identity.
    g.api_user, g.team, g.role, g.api_token = None, None, None, None
    raw = bearer_token()
    if raw is None:
        raise ApiError(
            401,
            _(
                "Send an API token in the header: Authorization: Bearer <token>. "
                "Create one on your profile page."
            ),
            code="unauthorized",
        )
    identity = tokens.authenticate(get_session(), raw)
    if identity is None:
        raise ApiError(
            401,
            _("This API token is unknown, revoked, or its user no longer has access to the team."),
            code="invalid_token",
        )
    g.api_user, g.team, g.role, g.api_token = (
        identity.user,
        identity.team,
        identity.role,
        identity.token,
    )


def current_actor() -> User:
    """Return the user the current API request acts for."""
    return g.api_user


def as_token_user(use_case: Callable, hypothesis_id: int, **arguments: Any) -> Any:
    """Run a hypothesis's or its test's *use_case* in the token's team as the token's user."""
    return use_case(
        get_session(), team=g.team, actor=current_actor(), hypothesis_id=hypothesis_id, **arguments
    )


def api_requires(permission: str) -> Callable[[F], F]:
    """Require a valid bearer token whose user holds *permission* in the token's team."""

    def check() -> None:
        authenticate()
        if not role_can(g.role, permission):
            raise ApiError(
                403, _("Your role in this team does not allow this action."), code="forbidden"
            )

    return guarded(permission, check)
