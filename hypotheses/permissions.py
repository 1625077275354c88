"""The one permission table: role x permission. Every route declares what it needs."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, g, redirect, request, url_for
from flask_login import current_user

from hypotheses.enums import Role

VIEWER = frozenset({Role.VIEWER, Role.MARKETER, Role.LEAD, Role.ADMIN})
MARKETER = frozenset({Role.MARKETER, Role.LEAD, Role.ADMIN})
LEAD = frozenset({Role.LEAD, Role.ADMIN})
ADMIN = frozenset({Role.ADMIN})

# permission -> roles that hold it. Keep names "<area>.<verb>".
PERMISSIONS: dict[str, frozenset[Role]] = {
    "team.view": VIEWER,
    "hypothesis.view": VIEWER,
    "hypothesis.create": MARKETER,
    "hypothesis.edit": MARKETER,
    "hypothesis.archive": MARKETER,
    "hypothesis.approve": LEAD,
    "hypothesis.reject": LEAD,
    "hypothesis.import": MARKETER,
    "hypothesis.export": VIEWER,
    "experiment.view": VIEWER,
    "experiment.design": MARKETER,
    "experiment.results": MARKETER,
    "experiment.start": LEAD,
    "experiment.stop": LEAD,
    "experiment.finish": LEAD,  # ends a test (results become final): a lead's call
    "experiment.decide": LEAD,
    "review.view": VIEWER,
    "review.read": VIEWER,
    "review.draft": MARKETER,
    "review.publish": LEAD,
    "metric.edit": LEAD,
    "team.settings": LEAD,
    # Viewers too when the team allows it (domain.comments.rules.may_comment).
    "comment.post": VIEWER,
    "admin.manage": ADMIN,
    # issue 16: leads create sources and their queries; marketers refresh from them
    "source.view": VIEWER,
    "source.use": MARKETER,
    "source.manage": LEAD,
}

F = TypeVar("F", bound=Callable[..., Any])
SIGNED_IN = "login"  # what a view that needs only a signed-in user declares


def role_can(role: str | None, permission: str) -> bool:
    """Tell whether *role* holds *permission* (unknown permissions are denied)."""
    if role is None:
        return False
    return role in PERMISSIONS.get(permission, frozenset())


def can(permission: str) -> bool:
    """Tell whether the signed-in user holds *permission* in the current team."""
    return role_can(g.get("role"), permission)


def guarded(permission: str | None, check: Callable[[], Any]) -> Callable[[F], F]:
    """The one permission decorator (the web's and the API's): mark the view with *permission*
    and run *check* before it. *check* refuses by raising (403, 401) or by returning an answer
    to send instead of the view's (a redirect to sign in); None lets the view run."""
    if permission not in (None, SIGNED_IN) and permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            refusal = check()
            return view(*args, **kwargs) if refusal is None else refusal

        wrapped.permission = permission  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def _sign_in_first() -> Any:
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return None


def requires(permission: str) -> Callable[[F], F]:
    """Require sign-in and *permission* in the current team; 403 otherwise."""

    def check() -> Any:
        if not current_user.is_authenticated:
            return _sign_in_first()
        if g.get("team") is None:
            return redirect(url_for("auth.no_team"))
        if not can(permission):
            abort(403)
        return None

    return guarded(permission, check)


def public(view: F) -> F:
    """Mark a view as reachable without a permission (login, static pages, the OpenAPI
    document)."""
    view.permission = None  # type: ignore[attr-defined]
    return view


def login_only(view: F) -> F:
    """Require sign-in but no team permission (profile, team switch)."""
    return guarded(SIGNED_IN, _sign_in_first)(view)
