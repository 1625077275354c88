"""KPI queries of the metric catalog (leads), and a review's values taken from sources, with a
person's override and its reason."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select
from wtforms.fields.choices import SelectChoice

from hypotheses.db import get_session
from hypotheses.domain.core.errors import DomainError
from hypotheses.domain.reviews.metrics import list_metrics
from hypotheses.domain.sources import catalog, kpis
from hypotheses.forms import apply_domain_error, distinct_ids
from hypotheses.models import KpiValue, Review
from hypotheses.permissions import can, requires
from hypotheses.sources.blueprint import bp
from hypotheses.sources.forms import KpiQueryForm, OverrideForm


def _kpi_form(metric, formdata=False) -> KpiQueryForm:
    form = KpiQueryForm() if formdata else KpiQueryForm(formdata=None)
    form.source_id.choices = [SelectChoice("", "—")] + [
        SelectChoice(str(s.id), s.name) for s in catalog.list_sources(get_session(), team=g.team)
    ]
    if not formdata:
        form.source_id.data = str(metric.source_id or "")
        form.source_query.data = metric.source_query or ""
    return distinct_ids(form, f"m{metric.id}")


def _render_kpis(forms=None, status=200):
    session = get_session()
    metrics = list_metrics(session, team=g.team)
    forms = forms or {}
    if can("source.manage"):
        for metric in metrics:
            forms.setdefault(metric.id, _kpi_form(metric))
    names = {s.id: s.name for s in catalog.list_sources(session, team=g.team)}
    return render_template(
        "sources/kpis.html", metrics=metrics, forms=forms, source_names=names
    ), status


@bp.route("/kpis")
@requires("source.use")
def kpis_index():
    return _render_kpis()


@bp.post("/kpis/<int:metric_id>")
@requires("source.manage")
def save_kpi(metric_id: int):
    session = get_session()
    metric = next((m for m in list_metrics(session, team=g.team) if m.id == metric_id), None)
    if metric is None:
        abort(404)
    form = _kpi_form(metric, formdata=True)
    if form.validate_on_submit():
        try:
            checked = kpis.check_kpi_query(
                session,
                team=g.team,
                actor=current_user,
                metric_id=metric_id,
                source_id=form.source_id.data,
                sql=form.source_query.data or "",
            )
            kpis.save_kpi_query(session, team=g.team, actor=current_user, checked=checked)
        except DomainError as error:
            if not apply_domain_error(form, error):
                flash(error.message, "danger")
        else:
            if checked["sql"]:
                flash(
                    _(
                        "The KPI query of “%(name)s” is saved; this week it returns %(value)s.",
                        name=metric.name,
                        value=f"{checked['value']:g}",
                    ),
                    "success",
                )
            else:
                flash(_("The KPI query of “%(name)s” is removed.", name=metric.name), "success")
            return redirect(url_for("sources.kpis_index") + f"#metric-{metric_id}")
    return _render_kpis({metric_id: form}, status=422)


def _review(review_id: int) -> Review:
    review = get_session().get(Review, review_id)
    if review is None or review.team_id != g.team.id:
        abort(404)
    return review


def _render_review(review, forms=None, status=200):
    session = get_session()
    marks = kpis.fetched_marks(session, review)
    metrics = {m.id: m for m in list_metrics(session, team=g.team)}
    values = {
        k.metric_id: k.value
        for k in session.exec(select(KpiValue).where(KpiValue.review_id == review.id))
    }
    forms = forms or {}
    for metric_id in marks:
        forms.setdefault(metric_id, distinct_ids(OverrideForm(formdata=None), f"o{metric_id}"))
    return render_template(
        "sources/review.html",
        review=review,
        marks=marks,
        metrics=metrics,
        values=values,
        forms=forms,
    ), status


@bp.route("/reviews/<int:review_id>")
@requires("review.view")
def review_kpis(review_id: int):
    return _render_review(_review(review_id))


@bp.post("/reviews/<int:review_id>/<int:metric_id>/override")
@requires("review.draft")
def override(review_id: int, metric_id: int):
    review = _review(review_id)
    form = distinct_ids(OverrideForm(), f"o{metric_id}")
    if form.validate_on_submit():
        try:
            kpis.override_value(
                get_session(),
                team=g.team,
                actor=current_user,
                review_id=review.id,
                metric_id=metric_id,
                value=form.value.data,
                reason=form.reason.data,
            )
        except DomainError as error:
            if not apply_domain_error(form, error):
                flash(error.message, "danger")
        else:
            flash(_("The value is overridden; the reason is kept beside it."), "success")
            return redirect(url_for("sources.review_kpis", review_id=review.id))
    return _render_review(review, {metric_id: form}, status=422)
