"""Admin screens for users and their memberships (teams and settings: team_routes.py)."""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from hypotheses.admin.blueprint import bp
from hypotheses.admin.forms import (
    MembershipForm,
    NewUserForm,
    ResetPasswordForm,
    RoleForm,
    UserForm,
)
from hypotheses.auth.routes import hash_method, start_session
from hypotheses.db import get_session
from hypotheses.domain.accounts import credentials, memberships, teams
from hypotheses.domain.accounts import users as accounts
from hypotheses.domain.core import audit
from hypotheses.domain.core.errors import DomainError, NotFound
from hypotheses.domain.core.pagination import Page, page_number
from hypotheses.enums import Role
from hypotheses.forms import ConfirmForm, distinct_ids, query_text
from hypotheses.models import Team, User
from hypotheses.permissions import requires
from hypotheses.web_forms import refused, values_of

INVALID = 422  # status of a page re-shown with form errors


def _user_or_404(user_id: int) -> User:
    try:
        return accounts.get_user(get_session(), user_id)
    except NotFound:
        abort(404)


def team_or_404(team_id: int) -> Team:
    try:
        return teams.get_team(get_session(), team_id)
    except NotFound:
        abort(404)


def _all_teams() -> list[Team]:
    return [team for team, _members, _admins in teams.list_teams(get_session())]


def _done(user: User, message: str):
    """Flash *message* and go back to the user's page; re-sign the acting admin if it was them."""
    flash(message, "success")
    if user.id != current_user.id:
        return redirect(url_for("admin.user_detail", user_id=user.id))
    # Their own session token rotated (role change): re-issue this browser's cookie only.
    start_session(user, team_id=session.get("team_id"))
    roles = {team.id: m.role for m, team in memberships.memberships_of(get_session(), user)}
    if roles.get(session.get("team_id")) == Role.ADMIN:
        return redirect(url_for("admin.user_detail", user_id=user.id))
    return redirect(url_for("main.dashboard"))


# --- users -------------------------------------------------------------------------------


@bp.route("/users")
@requires("admin.manage")
def users():
    """List every user of the installation with their teams and roles."""
    query, query_error = query_text("q", max_length=100)
    per_page = current_app.config.get("PAGE_SIZE", 25)
    page_no = page_number(request.args.get("page"))
    rows, total = accounts.list_users(
        get_session(), query=query, offset=(page_no - 1) * per_page, limit=per_page
    )
    page = Page.of(rows, page=page_no, per_page=per_page, total=total)
    return render_template(
        "admin/users.html", query=query, query_error=query_error, page=page, rows=page.items
    )


@bp.route("/users/new", methods=["GET", "POST"])
@requires("admin.manage")
def new_user():
    """Create a user with an initial password and a role in one team."""
    db = get_session()
    form = NewUserForm(teams=_all_teams())
    if request.method == "GET":
        form.team.data, form.role.data = g.team.id, Role.MARKETER.value
    if form.validate_on_submit():
        try:
            user = accounts.add_user(
                db,
                **values_of(form, "name", "email", "password", "role"),
                team=team_or_404(form.team.data),
                actor=current_user,
                hash_method=hash_method(),
            )
        except DomainError as error:
            refused(form, error)
        else:
            flash(_("User %(name)s created.", name=user.name), "success")
            return redirect(url_for("admin.user_detail", user_id=user.id))
    status = INVALID if form.errors else 200
    return render_template("admin/new_user.html", form=form), status


ACTIONS = {
    "user.create": _l("Account created"),
    "user.edit": _l("Details changed"),
    "user.password": _l("Changed their password"),
    "user.password_reset": _l("New password set by an admin"),
    "user.reset_requested": _l("Asked for a password link by e-mail"),
    "user.password_reset_link": _l("Chose a new password with an e-mailed link"),
    "user.activate": _l("Activated"),
    "user.deactivate": _l("Deactivated"),
    "membership.add": _l("Added to a team"),
    "membership.role": _l("Role changed"),
    "membership.remove": _l("Removed from a team"),
}
FIELDS = {"name": _l("Name"), "email": _l("E-mail"), "role": _l("Role"), "is_active": _l("Active")}


def _shown(field: str, value: object) -> str:
    if value is None:
        return "—"
    if field == "role":
        return str(Role.label_of(value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def _history_item(entry, actor, team_names: dict) -> dict:
    """Describe one audit entry about a user in words."""
    changes = entry.changes or {}
    return {
        "when": entry.created_at,
        "who": actor.name if actor else _("system"),
        "what": ACTIONS.get(entry.action, entry.action),
        "team": team_names.get(entry.team_id),
        "changes": [
            (FIELDS.get(field, field), _shown(field, old), _shown(field, new))
            for field, (old, new) in changes.items()
        ],
    }


def _user_page(user: User, status: int = 200, **forms):
    """Render the user's page with fresh forms, except those passed in (with their errors)."""
    db = get_session()
    rows = memberships.memberships_of(db, user)
    member_of = {team.id for _m, team in rows}
    other_teams = [team for team in _all_teams() if team.id not in member_of]
    forms.setdefault("user_form", UserForm(formdata=None, obj=user))
    forms.setdefault(
        "membership_form",
        MembershipForm(formdata=None, teams=other_teams, data={"role": Role.VIEWER.value}),
    )
    forms.setdefault("password_form", ResetPasswordForm(formdata=None))
    for prefix in ("user", "membership", "password"):  # three forms on one page: no shared ids
        distinct_ids(forms[f"{prefix}_form"], prefix)
    team_names = {team.id: team.name for team in _all_teams()}
    history = [
        _history_item(entry, actor, team_names)
        for entry, actor in audit.history(db, entity="user", entity_id=user.id)[:30]
    ]
    return render_template(
        "admin/user_detail.html",
        user=user,
        memberships=rows,
        other_teams=other_teams,
        history=history,
        confirm=ConfirmForm(),
        **forms,
    ), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@requires("admin.manage")
def user_detail(user_id: int):
    """Show a user's memberships and history; POST saves their name and e-mail."""
    user = _user_or_404(user_id)
    if request.method == "GET":
        return _user_page(user)
    form = UserForm()
    if form.validate_on_submit():
        try:
            values = values_of(form, "name", "email")
            changes = accounts.update_user(get_session(), user=user, **values, actor=current_user)
        except DomainError as error:
            refused(form, error)
        else:
            flash(
                _("Saved.") if changes else _("Nothing changed."), "success" if changes else "info"
            )
            return redirect(url_for("admin.user_detail", user_id=user.id))
    return _user_page(user, INVALID, user_form=form)


def _or_back(use_case, *, user: User, **arguments):
    """Run *use_case* on *user* (the session, *arguments*, the acting admin); on a refusal
    flash it and return the way back to the user's page, else None."""
    try:
        use_case(get_session(), user=user, **arguments, actor=current_user)
    except DomainError as error:
        get_session().rollback()
        flash(error.message, "danger")
        return redirect(url_for("admin.user_detail", user_id=user.id))
    return None


def _set_active(user_id: int, active: bool):
    user = _user_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    back = _or_back(accounts.set_active, user=user, active=active)
    if back:
        return back
    if active:
        flash(_("%(name)s can sign in again.", name=user.name), "success")
    else:
        flash(_("%(name)s is deactivated and signed out everywhere.", name=user.name), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@requires("admin.manage")
def deactivate_user(user_id: int):
    """Deactivate a user: they cannot sign in and their sessions end."""
    return _set_active(user_id, False)


@bp.route("/users/<int:user_id>/activate", methods=["POST"])
@requires("admin.manage")
def activate_user(user_id: int):
    """Let a deactivated user sign in again."""
    return _set_active(user_id, True)


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@requires("admin.manage")
def reset_password(user_id: int):
    """Set a new password for a user; their sessions end."""
    user, form = _user_or_404(user_id), ResetPasswordForm()
    if form.validate_on_submit():
        try:
            new, method = form.new_password.data, hash_method()
            credentials.reset_password(
                get_session(), user=user, new=new, actor=current_user, hash_method=method
            )
        except DomainError as error:
            refused(form, error)
        else:
            if user.id == current_user.id:
                start_session(user, team_id=session.get("team_id"))
            flash(
                _("New password set; %(name)s was signed out everywhere.", name=user.name),
                "success",
            )
            return redirect(url_for("admin.user_detail", user_id=user.id))
    return _user_page(user, INVALID, password_form=form)


@bp.route("/users/<int:user_id>/memberships", methods=["POST"])
@requires("admin.manage")
def add_membership(user_id: int):
    """Add the user to another team with a role."""
    user = _user_or_404(user_id)
    member_of = {team.id for _m, team in memberships.memberships_of(get_session(), user)}
    form = MembershipForm(teams=[t for t in _all_teams() if t.id not in member_of])
    if form.validate_on_submit():
        team = team_or_404(form.team.data)
        try:
            memberships.save_membership(
                get_session(), user=user, team=team, role=form.role.data, actor=current_user
            )
        except DomainError as error:
            refused(form, error)
        else:
            return _done(user, _("%(name)s added to %(team)s.", name=user.name, team=team.name))
    return _user_page(user, INVALID, membership_form=form)


@bp.route("/users/<int:user_id>/memberships/<int:team_id>", methods=["POST"])
@requires("admin.manage")
def change_role(user_id: int, team_id: int):
    """Change the user's role in one team; their sessions end."""
    user, team = _user_or_404(user_id), team_or_404(team_id)
    form = RoleForm()
    if not form.validate_on_submit():
        flash(_("Choose a role from the list."), "danger")
        return redirect(url_for("admin.user_detail", user_id=user.id))
    back = _or_back(memberships.save_membership, user=user, team=team, role=form.role.data)
    if back:
        return back
    return _done(
        user,
        _(
            "%(name)s is now %(role)s in %(team)s.",
            name=user.name,
            role=Role.label_of(form.role.data),
            team=team.name,
        ),
    )


@bp.route("/users/<int:user_id>/memberships/<int:team_id>/remove", methods=["POST"])
@requires("admin.manage")
def remove_membership(user_id: int, team_id: int):
    """Take the user out of a team; their sessions end."""
    user, team = _user_or_404(user_id), team_or_404(team_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    back = _or_back(memberships.remove_membership, user=user, team=team)
    if back:
        return back
    return _done(user, _("%(name)s removed from %(team)s.", name=user.name, team=team.name))
