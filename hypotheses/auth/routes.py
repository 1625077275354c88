"""Views for signing in and out, the first admin, the profile and team switching."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user, login_user, logout_user

from hypotheses import languages
from hypotheses.auth.blueprint import bp
from hypotheses.auth.forms import LanguageForm, LoginForm, PasswordForm, SetupForm
from hypotheses.db import get_session
from hypotheses.domain.accounts import credentials, memberships, passwords, teams, throttle
from hypotheses.domain.accounts import users as accounts
from hypotheses.domain.core.errors import DomainError
from hypotheses.enums import Role
from hypotheses.forms import ConfirmForm
from hypotheses.permissions import login_only, public
from hypotheses.web_forms import refused, values_of


def _safe_next(target: str | None) -> str:
    """Return *target* only when it is a path on this site (no open redirects, ASVS V3.7.2)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        # Browsers drop tabs and newlines inside URLs ("/\t/evil.com" becomes "//evil.com").
        if not any(ord(char) < 33 or ord(char) == 127 for char in target):
            parts = urlsplit(target)
            if not parts.scheme and not parts.netloc:
                return target
    return url_for("main.dashboard")


def hash_method() -> str:
    """The password hashing method new passwords get (the app's PASSWORD_HASH_METHOD)."""
    return current_app.config["PASSWORD_HASH_METHOD"]


def start_session(user, team_id: int | None = None) -> None:
    """Sign *user* in on a fresh session (ASVS V7.2.4), remembering when it began."""
    session.clear()
    login_user(user)
    now = int(time.time())
    session["signed_in_at"] = session["seen_at"] = now
    if team_id is not None:
        session["team_id"] = team_id


@bp.before_app_request
def enforce_session_lifetime() -> None:
    """End sessions past their absolute lifetime or idle timeout (ASVS V7.3.1, V7.3.2)."""
    if not current_user.is_authenticated or "_user_id" not in session:
        return  # anonymous, or signed in by an API token rather than a cookie
    cfg, now = current_app.config, int(time.time())
    lifetime = int(cfg["PERMANENT_SESSION_LIFETIME"].total_seconds())
    idle = int(cfg.get("SESSION_IDLE_MINUTES", 60) * 60)
    started, seen = session.get("signed_in_at"), session.get("seen_at")
    if not isinstance(started, int) or not isinstance(seen, int):
        # A cookie signed before these stamps existed: its clocks start now.
        session["signed_in_at"] = session["seen_at"] = now
        return
    if now - started > lifetime or now - seen > idle:
        logout_user()
        session.clear()
        g.team, g.role, g.memberships = None, None, []
        flash(_("Your session has ended. Please sign in again."), "info")
        return
    if now - seen >= 60:  # refresh at most once a minute to spare cookie writes
        session["seen_at"] = now


def _throttle_keys(email: str) -> tuple[str, str]:
    """The (account + address) key and the address key of a sign-in attempt."""
    address = request.remote_addr or "-"
    return f"pair:{credentials.normalise_email(email)}|{address}", f"ip:{address}"


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    """Sign in with e-mail and password; repeated failures are slowed down."""
    db = get_session()
    if accounts.first_admin_needed(db):
        return redirect(url_for("auth.setup"))
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        cfg = current_app.config
        pair, address = _throttle_keys(form.email.data)
        wait = throttle.reserve_attempt(
            db,
            [(pair, cfg["LOGIN_FREE_ATTEMPTS"]), (address, cfg["LOGIN_FREE_ATTEMPTS_PER_ADDRESS"])],
            window=cfg["LOGIN_WINDOW_SECONDS"],
            max_delay=cfg["LOGIN_MAX_DELAY_SECONDS"],
        )
        if wait > 0:
            form.password.errors.append(
                _("Too many failed attempts. Wait %(s)d seconds and try again.", s=wait)
            )
            return render_template("auth/login.html", form=form), 429
        user = credentials.authenticate(
            db, email=form.email.data, password=form.password.data, hash_method=hash_method()
        )
        if user is None:  # the attempt was counted as a failure by reserve_attempt
            form.password.errors.append(_("Wrong e-mail or password."))
            status = 401
        else:
            if credentials.needs_rehash(user, hash_method()):
                user.password_hash = passwords.hash_password(form.password.data, hash_method())
            throttle.attempt_succeeded(db, clear=[pair], release=[address])
            db.commit()
            target = _safe_next(request.args.get("next"))
            start_session(user)
            return redirect(target)
    return render_template("auth/login.html", form=form), status


@bp.route("/setup", methods=["GET", "POST"])
@public
def setup():
    """Create the first admin account and team (only while no user exists)."""
    db = get_session()
    if not accounts.first_admin_needed(db):
        return redirect(url_for("auth.login"))
    form = SetupForm()
    if form.validate_on_submit():
        try:
            # the catalog's names in the language the first admin set up in
            team = teams.get_or_create_team(
                db, form.team.data, language=languages.current_language()
            )
            values = values_of(form, "email", "name", "password")
            user = accounts.create_user(db, **values, hash_method=hash_method())
            memberships.set_membership(db, user=user, team=team, role=Role.ADMIN)
            db.commit()
        except DomainError as error:
            refused(form, error)
        else:
            start_session(user)
            flash(_("Welcome! You are the admin of %(team)s.", team=team.name), "success")
            return redirect(url_for("main.dashboard"))
    return render_template("auth/setup.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_only
def logout():
    """Sign out everywhere: the session token rotates, so every copy of the cookie dies."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    credentials.sign_out_everywhere(get_session(), user=current_user._get_current_object())
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/profile", methods=["GET", "POST"])
@login_only
def profile():
    """Show the profile and change the password (requires the current one)."""
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            credentials.change_password(
                get_session(),
                user=current_user._get_current_object(),
                current=form.current_password.data,
                new=form.new_password.data,
                hash_method=hash_method(),
            )
        except DomainError as error:
            refused(form, error)
        else:
            # The token rotated: re-issue this browser's cookie; every other session is dead.
            start_session(current_user._get_current_object(), team_id=session.get("team_id"))
            flash(_("Password changed. Other sessions were signed out."), "success")
            return redirect(url_for("auth.profile"))
    return _profile_page(form)


def _profile_page(form: PasswordForm, language_form: LanguageForm | None = None, status=200):
    if language_form is None:
        language_form = LanguageForm(formdata=None, data={"language": current_user.language or ""})
    return render_template(
        "auth/profile.html",
        form=form,
        language_form=language_form,
        memberships=memberships.memberships_of(get_session(), current_user),
    ), status


@bp.route("/profile/language", methods=["POST"])
@login_only
def profile_language():
    """Save one's interface language (or follow the browser again)."""
    form = LanguageForm()
    if not form.validate_on_submit():
        return _profile_page(PasswordForm(formdata=None), form, 422)
    try:
        changed = accounts.set_language(
            get_session(),
            user=current_user._get_current_object(),
            language=form.language.data or None,
        )
    except DomainError as error:
        refused(form, error)
        return _profile_page(PasswordForm(formdata=None), form, 422)
    refresh()  # the confirmation already speaks the new language
    flash(_("Language saved.") if changed else _("Nothing changed."), "success")
    return redirect(url_for("auth.profile"))


@bp.route("/language", methods=["POST"])
@public
def switch_language():
    """The language switch of signed-out pages: a cookie remembers the choice."""
    choice = languages.clean(request.form.get("language"))
    if not ConfirmForm().validate_on_submit() or choice is None:
        abort(400)
    response = redirect(_safe_next(request.form.get("next")))
    return languages.set_cookie(response, choice)


@bp.route("/switch-team/<int:team_id>", methods=["POST"])
@login_only
def switch_team(team_id: int):
    """Make another of the user's teams the current one."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    if not any(
        team.id == team_id for _m, team in memberships.memberships_of(get_session(), current_user)
    ):
        abort(404)
    session["team_id"] = team_id
    return redirect(url_for("main.dashboard"))


@bp.route("/no-team")
@login_only
def no_team():
    """Tell a user without any team membership what to do."""
    return render_template("auth/no_team.html")
