"""Notification screens: /notifications/preferences (everyone), /notifications/team (leads),
/notifications/outbox (admins)."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import col, func, select

from hypotheses.db import get_session
from hypotheses.domain.core.errors import DomainError, NotFound
from hypotheses.domain.notifications import team_setup
from hypotheses.domain.notifications.delivery import retry
from hypotheses.domain.notifications.preferences import current_choices, set_choices
from hypotheses.enums import OutboxStatus
from hypotheses.forms import ConfirmForm
from hypotheses.models import OutboxMessage
from hypotheses.notifications.blueprint import bp
from hypotheses.notifications.forms import DaysForm, WebhookForm, preferences_form
from hypotheses.permissions import login_only, requires
from hypotheses.web_forms import refused, values_of

INVALID = 422
OUTBOX_PAGE = 100


@bp.route("/preferences", methods=["GET", "POST"])
@login_only
def preferences():
    """Each person's choice per event: e-mail now, in the daily digest, or never."""
    session = get_session()
    form = preferences_form(current_choices(session, user=current_user), request.form or None)
    status = 200
    if request.method == "POST":
        if form.validate():
            names = [f.name for f in form if f.type == "SelectField"]
            set_choices(session, user=current_user, choices={n: form[n].data for n in names})
            flash(_("Your notification choices are saved."), "success")
            return redirect(url_for("notifications.preferences"))
        status = INVALID
    fields = [f for f in form if f.type == "SelectField"]
    return render_template("notifications/preferences.html", form=form, fields=fields), status


def _team_page(webhook_form=None, days_form=None, status=200, made_secret=None):
    session = get_session()
    team = g.team
    days = days_form or DaysForm(
        data={
            "digest_day": "" if team.digest_day is None else str(team.digest_day),
            "review_day": "" if team.review_day is None else str(team.review_day),
        }
    )
    return (
        render_template(
            "notifications/team.html",
            hooks=team_setup.webhooks_of(session, team=team),
            webhook_form=webhook_form or WebhookForm(formdata=None),
            days_form=days,
            remove_form=ConfirmForm(formdata=None),
            made_secret=made_secret,
        ),
        status,
    )


@bp.route("/team", methods=["GET"])
@requires("team.settings")
def team():
    """The team's webhooks, its weekly digest day and its review day."""
    return _team_page()


def _save(form, form_key: str, use_case, *fields: str):
    """Run the team-setup *use_case* with *form*'s *fields*: (its result, None); when the form
    or the use case refuses, (None, the team page with the form's errors, 422)."""
    if form.validate():
        values = values_of(form, *fields)
        try:
            return use_case(get_session(), team=g.team, actor=current_user, **values), None
        except DomainError as error:
            refused(form, error)
    return None, _team_page(status=INVALID, **{form_key: form})


@bp.route("/team/webhooks", methods=["POST"])
@requires("team.settings")
def add_webhook():
    fields = ("kind", "name", "target", "secret", "events")
    saved, page = _save(WebhookForm(), "webhook_form", team_setup.add_webhook, *fields)
    if page:
        return page
    hook, made = saved
    flash(_("Webhook “%(name)s” added.", name=hook.name), "success")
    if made:  # shown once, on this page only
        return _team_page(made_secret=(hook.name, made))
    return redirect(url_for("notifications.team"))


@bp.route("/team/webhooks/<int:webhook_id>/remove", methods=["POST"])
@requires("team.settings")
def remove_webhook(webhook_id: int):
    if not ConfirmForm().validate():
        abort(400)
    try:
        team_setup.remove_webhook(
            get_session(), team=g.team, actor=current_user, webhook_id=webhook_id
        )
    except NotFound:
        abort(404)
    flash(_("Webhook removed."), "success")
    return redirect(url_for("notifications.team"))


@bp.route("/team/days", methods=["POST"])
@requires("team.settings")
def set_days():
    fields = ("digest_day", "review_day")
    _changes, page = _save(DaysForm(), "days_form", team_setup.set_days, *fields)
    if page:
        return page
    flash(_("Notification days saved."), "success")
    return redirect(url_for("notifications.team"))


@bp.route("/outbox")
@requires("admin.manage")
def outbox():
    """Messages not delivered yet (waiting, being sent, failed) with their errors, newest
    first, and the counts of each status."""
    session = get_session()
    shown = request.args.get("status", "")
    statuses = [OutboxStatus.FAILED.value, OutboxStatus.PENDING.value, OutboxStatus.SENDING.value]
    if shown in {s.value for s in OutboxStatus}:
        statuses = [shown]
    messages = session.exec(
        select(OutboxMessage)
        .where(col(OutboxMessage.status).in_(statuses))
        .order_by(col(OutboxMessage.id).desc())
        .limit(OUTBOX_PAGE)
    ).all()
    counts = dict(
        session.exec(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).all()
    )
    return render_template(
        "notifications/outbox.html",
        messages=messages,
        counts=counts,
        shown=shown,
        retry_form=ConfirmForm(formdata=None),
        limit=OUTBOX_PAGE,
    )


@bp.route("/outbox/<int:message_id>/retry", methods=["POST"])
@requires("admin.manage")
def retry_message(message_id: int):
    if not ConfirmForm().validate():
        abort(400)
    if retry(get_session(), message_id=message_id):
        flash(_("The message will be sent again at the worker's next round."), "success")
    else:
        flash(_("This message is not waiting or failed (it may have been sent)."), "warning")
    return redirect(url_for("notifications.outbox", status=request.args.get("status", "")))
