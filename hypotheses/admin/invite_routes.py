"""Admin screen: invite people by e-mail with a role in a team; the recent invitations."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hypotheses import languages
from hypotheses.admin.blueprint import bp
from hypotheses.admin.forms import InviteForm
from hypotheses.admin.routes import INVALID, team_or_404
from hypotheses.db import get_session
from hypotheses.domain.accounts import invitations, teams, throttle
from hypotheses.domain.core.errors import DomainError
from hypotheses.enums import Role
from hypotheses.permissions import requires
from hypotheses.web_forms import refused

# Invitations an admin sends in an hour before each further one is slowed down.
INVITES_FREE_PER_HOUR = 20
WINDOW_SECONDS = 3600


def _page(form: InviteForm, status: int = 200):
    return render_template(
        "admin/invite.html",
        form=form,
        rows=invitations.pending(get_session()),
        valid_hours=invitations.VALID_HOURS,
    ), status


@bp.route("/users/invite", methods=["GET", "POST"])
@requires("admin.manage")
def invite():
    """Invite someone: they get an e-mail with a link to set their name and password."""
    db = get_session()
    form = InviteForm(teams=[team for team, _m, _a in teams.list_teams(db)])
    if request.method == "GET":
        form.team.data, form.role.data = g.team.id, Role.MARKETER.value
    if form.validate_on_submit():
        team = team_or_404(form.team.data)
        wait = throttle.reserve_attempt(
            db,
            [(f"invite:{current_user.id}", INVITES_FREE_PER_HOUR)],
            window=WINDOW_SECONDS,
            max_delay=WINDOW_SECONDS,
        )
        if wait > 0:
            form.email.errors.append(
                _("Too many invitations at once. Wait %(s)d seconds and try again.", s=wait)
            )
            return _page(form, 429)
        # The e-mail speaks the team's language, else the inviting admin's.
        language = team.default_language or languages.current_language()
        try:
            invitation = invitations.invite(
                db,
                email=form.email.data,
                role=form.role.data,
                team=team,
                actor=current_user._get_current_object(),
                language=language,
            )
        except DomainError as error:
            refused(form, error)
        else:
            flash(_("Invitation sent to %(email)s.", email=invitation.email), "success")
            return redirect(url_for("admin.invite"))
    return _page(form, INVALID if form.errors else 200)
