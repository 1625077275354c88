"""Personal API tokens: list, create (shown once) and revoke, for the signed-in user."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hypotheses.csvio.blueprint import bp
from hypotheses.csvio.forms import TokenForm
from hypotheses.db import get_session
from hypotheses.domain.accounts import tokens
from hypotheses.domain.core.errors import DomainError
from hypotheses.forms import ConfirmForm, apply_domain_error
from hypotheses.permissions import requires


@bp.app_template_global("my_api_tokens")
def my_api_tokens():
    """Return the signed-in user's tokens with their teams (for the profile page)."""
    if not current_user.is_authenticated:
        return []
    return tokens.list_tokens(get_session(), user=current_user)


def _render(form: TokenForm, new_token: str | None = None, status: int = 200):
    return render_template(
        "csvio/tokens.html",
        form=form,
        new_token=new_token,
        rows=tokens.list_tokens(get_session(), user=current_user),
        confirm=ConfirmForm(formdata=None),
    ), status


@bp.route("/tokens")
@requires("team.view")
def token_list():
    """List the user's API tokens and offer to create one for the current team."""
    return _render(TokenForm(formdata=None))


@bp.post("/tokens")
@requires("team.view")
def create_token():
    """Create a token for the current team; the plain token is shown on this page only, once."""
    form = TokenForm()
    if not form.validate_on_submit():
        return _render(form, status=422)
    try:
        _token, raw = tokens.create_token(
            get_session(), user=current_user, team=g.team, name=form.name.data or ""
        )
    except DomainError as error:
        get_session().rollback()
        if not apply_domain_error(form, error):
            flash(error.message, "danger")
        return _render(form, status=error.status)
    return _render(TokenForm(formdata=None), new_token=raw)


@bp.post("/tokens/<int:token_id>/revoke")
@requires("team.view")
def revoke_token(token_id: int):
    """Revoke one of the user's own tokens; it stops working at once."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        token = tokens.revoke_token(get_session(), user=current_user, token_id=token_id)
    except DomainError:
        abort(404)
    flash(_("Token “%(name)s” revoked.", name=token.name), "success")
    return redirect(url_for("csvio.token_list"))
