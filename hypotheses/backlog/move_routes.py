"""The backlog's state buttons: approve, reject, archive, promote and restore (POSTs that move a
hypothesis, each carrying the version on screen)."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _

from hypotheses.backlog.blueprint import bp
from hypotheses.backlog.display import describe_stale
from hypotheses.backlog.forms import ReasonForm, VersionedConfirmForm
from hypotheses.backlog.moves import SUCCESS
from hypotheses.backlog.routes import get_or_404, render_detail
from hypotheses.domain.backlog import lifecycle as backlog
from hypotheses.domain.core.errors import DomainError, Forbidden, NotFound, StaleVersion
from hypotheses.forms import apply_domain_error
from hypotheses.permissions import requires
from hypotheses.web_forms import as_user, values_of


def _to_detail(hypothesis_id: int):
    return redirect(url_for("backlog.detail", hypothesis_id=hypothesis_id))


def press(hypothesis_id: int, action, success: str):
    """Run one state button (a POST with CSRF token and the version on screen); flash the outcome.

    Returns the domain function's result, or None when it refused (the flash says why).
    """
    form = VersionedConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        result = as_user(action, hypothesis_id, version=form.version.data)
    except NotFound:
        abort(404)
    except StaleVersion as error:
        flash(describe_stale(error), "warning")
    except DomainError as error:
        flash(error.message, "danger" if error.status == 403 else "warning")
    else:
        hypothesis = result[0] if isinstance(result, tuple) else result
        flash(success % {"title": hypothesis.title}, "success")
        return result
    return None


@bp.route("/<int:hypothesis_id>/approve", methods=["POST"])
@requires("hypothesis.approve")
def approve(hypothesis_id: int):
    """Approve a hypothesis for testing (lead; not one's own unless the team allows it)."""
    press(hypothesis_id, backlog.approve, SUCCESS["approve"])
    return _to_detail(hypothesis_id)


@bp.route("/<int:hypothesis_id>/reject", methods=["POST"])
@requires("hypothesis.reject")
def reject(hypothesis_id: int):
    """Reject a hypothesis with a reason (lead)."""
    hypothesis = get_or_404(hypothesis_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            as_user(backlog.reject, hypothesis.id, **values_of(form, "reason", "version"))
        except StaleVersion as error:
            flash(describe_stale(error), "warning")
        except DomainError as error:
            if not apply_domain_error(form, error):
                flash(error.message, "warning")
                return _to_detail(hypothesis.id)
            return render_detail(get_or_404(hypothesis_id), reject_form=form, status=422)
        else:
            flash(
                _("Rejected “%(title)s”. The reason is shown on its page.", title=hypothesis.title),
                "success",
            )
        return _to_detail(hypothesis.id)
    return render_detail(hypothesis, reject_form=form, status=422)


@bp.route("/<int:hypothesis_id>/archive", methods=["POST"])
@requires("hypothesis.archive")
def archive(hypothesis_id: int):
    """Archive a hypothesis that is not being tested."""
    press(hypothesis_id, backlog.archive, SUCCESS["archive"])
    return _to_detail(hypothesis_id)


@bp.route("/<int:hypothesis_id>/promote", methods=["POST"])
@requires("hypothesis.edit")
def promote(hypothesis_id: int):
    """Move an idea into the backlog when there is room."""
    press(hypothesis_id, backlog.promote, SUCCESS["promote"])
    return _to_detail(hypothesis_id)


@bp.route("/<int:hypothesis_id>/restore", methods=["POST"])
@requires("hypothesis.archive")
def restore(hypothesis_id: int):
    """Bring back an archived hypothesis (a rejected one only by a lead: 403 otherwise)."""

    def restore_or_403(session, **kwargs):
        try:
            return backlog.restore(session, **kwargs)
        except Forbidden:
            abort(403)

    result = press(hypothesis_id, restore_or_403, _("Restored “%(title)s”."))
    if result is not None and not result[1]:
        flash(_("The backlog is full, so it waits as an idea."), "warning")
    return _to_detail(hypothesis_id)
