"""Views of the e-mailed links: "forgot password", choosing a new password, accepting an
invitation. A used, expired or unknown link gets a page saying so (410)."""

from __future__ import annotations

import time

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from hypotheses import languages
from hypotheses.auth.blueprint import bp
from hypotheses.auth.link_forms import AcceptInvitationForm, ForgotForm, NewPasswordForm
from hypotheses.auth.routes import hash_method, start_session
from hypotheses.db import get_session
from hypotheses.domain.accounts import invitations, resets, throttle
from hypotheses.domain.accounts.credentials import normalise_email
from hypotheses.domain.accounts.invitations import LinkRefused
from hypotheses.domain.accounts.links import LinkState
from hypotheses.domain.core.errors import DomainError
from hypotheses.models import Team
from hypotheses.permissions import public
from hypotheses.web_forms import refused, values_of

INVALID = 422
GONE = 410
# Reset requests per address asked for, and per client address, in an hour (then slowed).
RESET_FREE_PER_EMAIL = 3
RESET_FREE_PER_CLIENT = 20
RESET_WINDOW_SECONDS = 3600
# Every "forgot password" answer takes at least this long, known address or not.
RESET_ANSWER_SECONDS = 0.4


def _config(name: str, default):
    return current_app.config.get(name, default)


def refused_page(state: LinkState, kind: str):
    """The page of a link that cannot be used (410 Gone)."""
    return render_template("auth/link_refused.html", state=state.value, kind=kind), GONE


@bp.route("/forgot", methods=["GET", "POST"])
@public
def forgot():
    """Ask for a password-reset link; the answer never tells whether the address exists."""
    form = ForgotForm()
    if not form.validate_on_submit():
        return render_template("auth/forgot.html", form=form), INVALID if form.errors else 200
    started = time.monotonic()
    db, address = get_session(), request.remote_addr or "-"
    wait = throttle.reserve_attempt(
        db,
        [
            (
                f"reset:{normalise_email(form.email.data)}",
                _config("RESET_FREE_PER_EMAIL", RESET_FREE_PER_EMAIL),
            ),
            (f"reset-ip:{address}", _config("RESET_FREE_PER_CLIENT", RESET_FREE_PER_CLIENT)),
        ],
        window=RESET_WINDOW_SECONDS,
        max_delay=RESET_WINDOW_SECONDS,
    )
    if wait > 0:
        form.email.errors.append(_("Too many requests. Wait %(s)d seconds and try again.", s=wait))
        return render_template("auth/forgot.html", form=form), 429
    resets.request_reset(db, email=form.email.data, language=languages.current_language())
    floor = _config("RESET_ANSWER_SECONDS", RESET_ANSWER_SECONDS)
    time.sleep(max(0.0, floor - (time.monotonic() - started)))
    return render_template("auth/forgot.html", form=None, sent=True)


def _link_page(kind: str, token: str, find, form, use, done, template: str, **context):
    """The page of an e-mailed link: refused (410) when the link cannot be used; otherwise
    *form*, which on a valid post runs *use*(session) (a refusal goes next to its field) and
    answers with *done*(its result). *context*(the link's row) adds to the template's values."""
    db = get_session()
    row, state = find(db, token)
    if state is not LinkState.VALID:
        return refused_page(state, kind)
    if form.validate_on_submit():
        try:
            result = use(db)
        except LinkRefused as refused_link:
            return refused_page(refused_link.state, kind)
        except DomainError as error:
            refused(form, error)
        else:
            return done(result)
    values = {name: fill(row) for name, fill in context.items()}
    return render_template(template, form=form, **values), INVALID if form.errors else 200


@bp.route("/reset/<token>", methods=["GET", "POST"])
@public
def reset(token: str):
    """Choose a new password with a reset link (once, within the hour)."""
    form = NewPasswordForm()

    def use(db):
        return resets.complete_reset(
            db, token=token, password=form.password.data, hash_method=hash_method()
        )

    def done(_user):
        flash(
            _("Password changed. Sign in with your new password; other sessions ended."), "success"
        )
        return redirect(url_for("auth.login"))

    return _link_page("reset", token, resets.find, form, use, done, "auth/reset.html")


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@public
def invitation(token: str):
    """Accept an invitation: choose one's name and password, then sign in."""
    form = AcceptInvitationForm()

    def use(db):
        values = values_of(form, "name", "password")
        return invitations.accept(db, token=token, **values, hash_method=hash_method())

    def done(accepted):
        user, team = accepted
        start_session(user, team_id=team.id)
        flash(
            _("Welcome, %(name)s! You joined %(team)s.", name=user.name, team=team.name), "success"
        )
        return redirect(url_for("main.dashboard"))

    return _link_page(
        "invitation",
        token,
        invitations.find,
        form,
        use,
        done,
        "auth/invitation.html",
        invitation=lambda invite: invite,
        team=lambda invite: get_session().get(Team, invite.team_id),
    )
