"""Admin screens for teams, and the team settings page for leads."""

from __future__ import annotations

import json

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hypotheses import languages
from hypotheses.admin.blueprint import bp
from hypotheses.admin.forms import RenameTeamForm, SettingsForm, TeamForm
from hypotheses.admin.routes import INVALID, team_or_404
from hypotheses.db import get_session
from hypotheses.domain.accounts import teams
from hypotheses.domain.core.errors import DomainError, StaleVersion
from hypotheses.enums import EarlyLookMethod, Role
from hypotheses.permissions import requires
from hypotheses.web_forms import refused, values_of

# --- teams -------------------------------------------------------------------------------


def _teams_page(status: int = 200, form: TeamForm | None = None, rename: tuple | None = None):
    db = get_session()
    rows = [
        (
            team,
            members,
            admins,
            teams.running_count(db, team=team),
            teams.backlog_count(db, team=team),
        )
        for team, members, admins in teams.list_teams(db)
    ]
    return render_template(
        "admin/teams.html", rows=rows, form=form or TeamForm(formdata=None), rename=rename
    ), status


@bp.route("/teams", methods=["GET", "POST"])
@requires("admin.manage")
def teams_index():
    """List every team; POST creates one (with the default metric catalog)."""
    if request.method == "GET":
        return _teams_page()
    form = TeamForm()
    if form.validate_on_submit():
        try:
            team = teams.create_team(
                get_session(),
                name=form.name.data,
                actor=current_user,
                join_as=Role.ADMIN.value if form.join.data else None,
                language=languages.current_language(),  # the catalog in the admin's language
            )
        except DomainError as error:
            refused(form, error)
        else:
            flash(_("Team %(team)s created.", team=team.name), "success")
            return redirect(url_for("admin.teams_index"))
    return _teams_page(INVALID, form=form)


@bp.route("/teams/<int:team_id>/rename", methods=["POST"])
@requires("admin.manage")
def rename_team(team_id: int):
    """Rename a team."""
    team = team_or_404(team_id)
    form = RenameTeamForm(prefix=f"t{team.id}")
    if form.validate_on_submit():
        try:
            teams.rename_team(get_session(), team=team, name=form.name.data, actor=current_user)
        except DomainError as error:
            refused(form, error)
        else:
            flash(_("Team renamed to %(team)s.", team=team.name), "success")
            return redirect(url_for("admin.teams_index"))
    return _teams_page(INVALID, rename=(team.id, form))


# --- team settings -----------------------------------------------------------------------


def _loaded(form: SettingsForm) -> dict | None:
    try:
        value = json.loads(form.loaded.data or "")
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


@bp.route("/settings", methods=["GET", "POST"])
@requires("team.settings")
def settings():
    """Show and save the current team's settings (lead and admin)."""
    db, team = get_session(), g.team
    current = teams.settings_of(team)
    shown = {**current, "default_language": current["default_language"] or ""}
    # A post without the early-look choice (an older form) keeps the team's current method.
    form = (
        SettingsForm(data=shown)
        if request.method == "GET"
        else SettingsForm(
            data={"early_look_method": team.early_look_method, "currency": team.currency}
        )
    )
    stale: list[dict] = []
    if form.validate_on_submit():
        try:
            values = values_of(form, *teams.SETTING_FIELDS)
            for blank_is_none in ("default_language", "currency"):
                values[blank_is_none] = values[blank_is_none] or None
            changes = teams.update_settings(
                db, team=team, actor=current_user, **values, expected=_loaded(form)
            )
        except StaleVersion as error:
            db.rollback()
            stale = error.changes
        except DomainError as error:
            refused(form, error)
        else:
            flash(
                _("Settings saved.") if changes else _("Nothing changed."),
                "success" if changes else "info",
            )
            return redirect(url_for("admin.settings"))
    if request.method == "GET" or stale:
        # Keep the user's entries but accept the newest values as the base of the next save.
        form.loaded.data = json.dumps(teams.settings_of(team))
    status = INVALID if form.errors or stale else 200
    return render_template(
        "admin/settings.html",
        form=form,
        stale=stale,
        running=teams.running_count(db, team=team),
        backlog=teams.backlog_count(db, team=team),
        promises={m.value: m.promise for m in EarlyLookMethod},
    ), status
