"""Comment views: post, edit, delete, the members list for @mention autocomplete, the setting."""

from __future__ import annotations

from flask import abort, flash, g, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hypotheses.comments.blueprint import bp
from hypotheses.comments.forms import CommentForm, CommentSettingForm
from hypotheses.comments.section import comments_section, target_url
from hypotheses.db import get_session
from hypotheses.domain.comments import lifecycle, rules
from hypotheses.domain.core.errors import DomainError, Forbidden, NotFound
from hypotheses.forms import ConfirmForm, distinct_ids
from hypotheses.permissions import requires
from hypotheses.web_forms import refused

INVALID = 422

bp.add_app_template_global(comments_section, "comments_section")


@bp.app_template_global()
def comment_setting_form() -> CommentSettingForm:
    """The team settings page's comment setting, filled with the team's value."""
    form = CommentSettingForm(
        formdata=None, data={"viewers_may_comment": g.team.viewers_may_comment}
    )
    return distinct_ids(form, "comments")


def _target(kind: str, target_id: int) -> lifecycle.Target:
    try:
        return lifecycle.get_target(
            get_session(), team=g.team, kind=kind, target_id=target_id, role=g.role
        )
    except NotFound:
        abort(404)


def _comment(comment_id: int):
    db = get_session()
    try:
        comment = lifecycle.get_comment(db, team=g.team, comment_id=comment_id)
        return comment, lifecycle.target_of(db, team=g.team, comment=comment, role=g.role)
    except NotFound:
        abort(404)


def _back(target: lifecycle.Target, comment_id: int | None = None):
    anchor = f"#comment-{comment_id}" if comment_id else "#comments"
    return redirect(target_url(target) + anchor)


def _on(use_case, target: lifecycle.Target, **arguments):
    """Run the comment *use_case* on *target* in the current team (the request's session)."""
    return use_case(get_session(), team=g.team, target=target, **arguments)


def _form_page(target, form, *, comment=None, status=INVALID):
    """The comment form on a page of its own: a refused post, or an edit."""
    return render_template(
        "comments/form_page.html",
        target=target,
        target_link=target_url(target),
        form=form,
        comment=comment,
        edit_minutes=rules.EDIT_MINUTES,
    ), status


@bp.post("/<kind>/<int:target_id>")
@requires("comment.post")
def create(kind: str, target_id: int):
    """Post a comment on a hypothesis, a test or a review."""
    target = _target(kind, target_id)
    if not rules.may_comment(g.team, g.role):
        abort(403)
    form = CommentForm()
    if form.validate_on_submit():
        author, body, link = current_user._get_current_object(), form.body.data, target_url(target)
        try:
            comment = _on(
                lifecycle.add_comment, target, author=author, role=g.role, body=body, link=link
            )
        except Forbidden:
            get_session().rollback()
            abort(403)
        except DomainError as error:
            refused(form, error, fallback=form.body)
        else:
            flash(_("Comment posted."), "success")
            return _back(target, comment.id)
    return _form_page(target, form)


@bp.route("/<int:comment_id>/edit", methods=["GET", "POST"])
@requires("comment.post")
def edit(comment_id: int):
    """Edit one's own comment (within the edit window)."""
    comment, target = _comment(comment_id)
    user = current_user._get_current_object()
    if not rules.may_edit(comment, user):
        flash(
            _(
                "Only the author can edit a comment, for %(n)d minutes after posting.",
                n=rules.EDIT_MINUTES,
            ),
            "warning",
        )
        return _back(target, comment.id)
    form = CommentForm(formdata=None, data={"body": comment.body})
    form.submit.label.text = _("Save comment")
    status = 200
    posted = CommentForm()
    if posted.is_submitted():
        form = posted
        form.submit.label.text = _("Save comment")
        status = INVALID
        if form.validate():
            body, link = form.body.data, target_url(target)
            try:
                changed = _on(
                    lifecycle.edit_comment, target, comment=comment, user=user, body=body, link=link
                )
            except DomainError as error:
                refused(form, error, fallback=form.body)
            else:
                flash(_("Comment saved.") if changed else _("Nothing changed."), "success")
                return _back(target, comment.id)
    return _form_page(target, form, comment=comment, status=status)


@bp.post("/<int:comment_id>/delete")
@requires("comment.post")
def delete(comment_id: int):
    """Delete a comment (its author, or a lead or admin)."""
    comment, target = _comment(comment_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    user = current_user._get_current_object()
    try:
        _on(lifecycle.delete_comment, target, comment=comment, user=user, role=g.role)
    except Forbidden:
        get_session().rollback()
        abort(403)
    flash(_("Comment deleted."), "success")
    return _back(target)


@bp.get("/members")
@requires("team.view")
def members():
    """The team's members for @mention autocomplete: [{id, name}] by name."""
    people = lifecycle.members(get_session(), team=g.team)
    return jsonify({"members": [{"id": m.id, "name": m.name} for m in people]})


@bp.post("/setting")
@requires("team.settings")
def setting():
    """Let the team's viewers comment, or not (team settings page)."""
    form = CommentSettingForm()
    if not form.validate_on_submit():
        abort(400)
    changed = lifecycle.set_viewers_may_comment(
        get_session(),
        team=g.team,
        allowed=bool(form.viewers_may_comment.data),
        actor=current_user._get_current_object(),
    )
    flash(_("Settings saved.") if changed else _("Nothing changed."), "success")
    return redirect(url_for("admin.settings") + "#comment-setting")
