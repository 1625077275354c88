"""Views of the team's metric catalog: everyone reads it, a lead edits it."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hypotheses.db import get_session
from hypotheses.domain.core.errors import DomainError, NotFound
from hypotheses.domain.reviews import metrics as catalog_rules
from hypotheses.domain.reviews.kpis import tracked_warning
from hypotheses.forms import ConfirmForm, apply_domain_error, distinct_ids
from hypotheses.permissions import requires
from hypotheses.reviews.blueprint import bp
from hypotheses.reviews.forms import DIRECTION_LABELS, FORMAT_LABELS, UNIT_LABELS, MetricForm


def _render(new_form=None, edit_id=None, edit_form=None, status=200):
    catalog = catalog_rules.list_metrics(get_session(), team=g.team)
    return render_template(
        "reviews/metrics.html",
        catalog=catalog,
        new_form=distinct_ids(new_form or MetricForm(formdata=None, tracked=True), "new"),
        edit_id=edit_id,
        edit_form=edit_form and distinct_ids(edit_form, "edit"),
        confirm=ConfirmForm(formdata=None),
        warning=tracked_warning(sum(1 for m in catalog if m.tracked)),
        units=UNIT_LABELS,
        directions=DIRECTION_LABELS,
        formats=FORMAT_LABELS,
    ), status


def _values(form: MetricForm) -> dict:
    return {
        "name": form.name.data,
        "unit": form.unit.data,
        "direction": form.direction.data,
        "fmt": form.fmt.data,
        "tracked": bool(form.tracked.data),
    }


def _run(use_case, form: MetricForm, **arguments) -> tuple[Any, DomainError | None]:
    """Run a catalog *use_case* as the signed-in user: (its result, None), or (None, the
    refusal) shown on *form*'s fields, else flashed."""
    try:
        result = use_case(get_session(), team=g.team, actor=current_user, **arguments)
    except DomainError as error:
        if not apply_domain_error(form, error):
            flash(error.message, "danger")
        return None, error
    return result, None


@bp.route("/metrics")
@requires("review.view")
def metrics():
    """Show the metric catalog (leads also get the edit forms)."""
    return _render()


@bp.post("/metrics/new")
@requires("metric.edit")
def create_metric():
    """Add a metric to the catalog."""
    form = MetricForm()
    if form.validate_on_submit():
        _metric, error = _run(catalog_rules.create_metric, form, **_values(form))
        if error is None:
            flash(_("Metric added."), "success")
            return redirect(url_for("reviews.metrics"))
    return _render(new_form=form, status=422)


@bp.route("/metrics/<int:metric_id>", methods=["GET", "POST"])
@requires("metric.edit")
def edit_metric(metric_id: int):
    """Edit a metric's name, unit, direction, format and tracking."""
    db = get_session()
    try:
        metric = catalog_rules.get_metric(db, team=g.team, metric_id=metric_id)
    except NotFound:
        abort(404)
    form = MetricForm(obj=metric if request.method == "GET" else None)
    if request.method == "GET" and metric.fmt not in catalog_rules.FORMATS:
        form.fmt.data = str(catalog_rules.decimals_of(metric))
    if form.validate_on_submit():
        changes, error = _run(
            catalog_rules.update_metric, form, metric_id=metric_id, **_values(form)
        )
        if error is None:
            flash(_("Metric saved.") if changes else _("Nothing changed."), "success")
            return redirect(url_for("reviews.metrics") + f"#metric-{metric_id}")
    return _render(
        edit_id=metric_id, edit_form=form, status=422 if request.method == "POST" else 200
    )


@bp.post("/metrics/<int:metric_id>/<where>")
@requires("metric.edit")
def move_metric(metric_id: int, where: str):
    """Move a metric up or down in the catalog order."""
    if where not in ("up", "down"):
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        catalog_rules.move_metric(
            get_session(),
            team=g.team,
            actor=current_user,
            metric_id=metric_id,
            offset=-1 if where == "up" else 1,
        )
    except NotFound:
        abort(404)
    return redirect(url_for("reviews.metrics") + f"#metric-{metric_id}")
