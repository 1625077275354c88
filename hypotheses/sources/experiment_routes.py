"""A test's results from SQL: the setup (leads), the generated SQL, Refresh (marketers and
leads), and for everyone the refreshes with the cumulative lift over days."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from hypotheses.db import get_session
from hypotheses.domain.core.errors import DomainError, NotFound
from hypotheses.domain.experiments.common import get_experiment, get_hypothesis
from hypotheses.domain.sources import catalog, refresh
from hypotheses.domain.sources.metric_links import test_metrics
from hypotheses.forms import ConfirmForm, apply_domain_error
from hypotheses.languages import day, percent
from hypotheses.permissions import can, requires
from hypotheses.sources.blueprint import bp
from hypotheses.sources.chart import lift_over_time
from hypotheses.sources.forms import SetupForm
from hypotheses.web_forms import as_user


def _lift(value: float | None) -> str:
    if value is None:
        return "—"
    sign = "+" if value > 0 else ("−" if value < 0 else "")
    return sign + percent(abs(value) * 100, 1)


def _experiment(experiment_id: int):
    session = get_session()
    try:
        experiment = get_experiment(session, team=g.team, experiment_id=experiment_id)
    except NotFound:
        abort(404)
    return experiment, get_hypothesis(session, team=g.team, hypothesis_id=experiment.hypothesis_id)


def _setup_form(experiment, formdata=True) -> SetupForm:
    session = get_session()
    form = SetupForm() if formdata else SetupForm(formdata=None)
    form.source_id.choices = [SelectChoice("", "—")] + [
        SelectChoice(str(s.id), s.name) for s in catalog.list_sources(session, team=g.team)
    ]
    if not formdata:
        setup = refresh.setup_of(session, experiment)
        if setup is not None:
            form.source_id.data = str(setup.source_id)
            form.assignment_sql.data = setup.assignment_sql
            form.days.data = setup.days
    return form


def _render(experiment, hypothesis, form=None, metric_sql=None, metric_errors=None, status=200):
    session = get_session()
    series = refresh.lift_series(session, experiment)
    points = [(day(p["at"]), p["lifts"]) for p in series]
    chart = None
    if points:
        chart = lift_over_time(
            points,
            title=_("Cumulative lift of %(metric)s over time", metric=experiment.metric_name),
            description=_(
                "Each point is one refresh from the source: the relative difference of each "
                "variant from the control, with all data up to that day. The table below has "
                "the same numbers."
            ),
            fmt=_lift,
        )
    can_use = can("source.use")
    return render_template(
        "sources/test.html",
        experiment=experiment,
        hypothesis=hypothesis,
        setup=refresh.setup_of(session, experiment),
        metrics=test_metrics(session, experiment),
        metric_sql=metric_sql
        if metric_sql is not None
        else refresh.metric_queries(session, experiment),
        metric_errors=metric_errors or {},
        generated=refresh.generated_sql(session, experiment) if can_use else [],
        form=form or (_setup_form(experiment, formdata=False) if can("source.manage") else None),
        refreshes=list(reversed(refresh.refreshes(session, experiment))),
        series=series,
        chart=chart,
        lift=_lift,
        confirm=ConfirmForm(formdata=None),
    ), status


@bp.route("/tests/<int:experiment_id>")
@requires("experiment.view")
def test(experiment_id: int):
    experiment, hypothesis = _experiment(experiment_id)
    return _render(experiment, hypothesis)


@bp.post("/tests/<int:experiment_id>/setup")
@requires("source.manage")
def save_setup(experiment_id: int):
    experiment, hypothesis = _experiment(experiment_id)
    session = get_session()
    form = _setup_form(experiment)
    keys = [m.key for m in test_metrics(session, experiment)]
    metric_sql = {k: request.form.get(f"metric_sql:{k}", "")[:20001] for k in keys}
    metric_errors: dict[str, list[str]] = {}
    if form.validate_on_submit():
        setup = refresh.SqlSetup(
            source_id=form.source_id.data,
            assignment_sql=form.assignment_sql.data or "",
            days=form.days.raw_data[0] if form.days.raw_data else None,
            metric_sql=metric_sql,
        )
        try:
            checked = as_user(refresh.check_setup, experiment.hypothesis_id, setup=setup)
            as_user(refresh.save_setup, experiment.hypothesis_id, checked=checked)
        except DomainError as error:
            apply_domain_error(form, error)
            metric_errors = {
                name.split(":", 1)[1]: messages
                for name, messages in error.fields.items()
                if name.startswith("metric_sql:")
            }
            if not error.fields:
                flash(error.message, "danger")
        else:
            flash(_("The SQL setup is saved; the queries returned the right columns."), "success")
            return redirect(url_for("sources.test", experiment_id=experiment.id))
    return _render(experiment, hypothesis, form, metric_sql, metric_errors, status=422)


@bp.post("/tests/<int:experiment_id>/refresh")
@requires("source.use")
def refresh_now(experiment_id: int):
    experiment, _hypothesis = _experiment(experiment_id)
    if not ConfirmForm().validate_on_submit():
        flash(_("The form expired; try again."), "warning")
        return redirect(url_for("sources.test", experiment_id=experiment.id))
    try:
        row = as_user(refresh.refresh, experiment.hypothesis_id)
    except DomainError as error:
        flash(_("Refresh failed: %(message)s", message=error.message), "danger")
    else:
        flash(
            _(
                "Refreshed from the source in %(s)s s; the results are recorded as a look.",
                s=f"{row.seconds:.2f}",
            ),
            "success",
        )
    return redirect(url_for("sources.test", experiment_id=experiment.id))
