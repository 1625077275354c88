"""What the web views do with a posted form around a domain use case: pass its values on, and
show a refusal next to its field (or flash it).

    try:
        teams.rename_team(get_session(), team=team, actor=current_user, **values_of(form, "name"))
    except DomainError as error:
        refused(form, error)
"""

from __future__ import annotations

from typing import Any

from flask import flash, g
from flask_login import current_user
from wtforms import Field
from wtforms.form import BaseForm

from hypotheses.db import get_session
from hypotheses.domain.core.errors import DomainError
from hypotheses.forms import apply_domain_error


def as_user(use_case, hypothesis_id: int, **arguments: Any) -> Any:
    """Run a hypothesis's or its test's *use_case* in the current team as the signed-in user."""
    return use_case(
        get_session(), team=g.team, actor=current_user, hypothesis_id=hypothesis_id, **arguments
    )


def values_of(form: BaseForm, *names: str) -> dict[str, Any]:
    """Return the typed values of *form*'s fields *names*, by name (a use case's arguments)."""
    return {name: form[name].data for name in names}


def refused(
    form: BaseForm,
    error: DomainError,
    aliases: dict[str, str | None] | None = None,
    *,
    fallback: Field | None = None,
) -> None:
    """Roll back the request's session and show the domain refusal *error* on *form*: next to
    its field (forms.apply_domain_error, with *aliases*), else next to *fallback*, else as a
    flash message."""
    get_session().rollback()
    if apply_domain_error(form, error, aliases):
        return
    if fallback is not None:
        fallback.errors = [*fallback.errors, error.message]
    else:
        flash(error.message, "danger")
