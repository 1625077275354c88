"""Views of the tests: the list, the design (and its live plan), the test page. Moving a test
along is in action_routes, its results in results_routes; what they share is in page."""

from __future__ import annotations

from flask import flash, g, jsonify, render_template, request
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from hypotheses.db import get_session
from hypotheses.domain.core.errors import DomainError, StaleVersion
from hypotheses.domain.experiments import common as experiment_common
from hypotheses.domain.experiments import design as experiment_design
from hypotheses.domain.experiments import lifecycle as experiments
from hypotheses.domain.experiments.impact import currency_symbol
from hypotheses.domain.experiments.metrics import MONEY_FIELDS, stored_extras
from hypotheses.enums import ExperimentStatus
from hypotheses.experiments.blueprint import bp
from hypotheses.experiments.forms import (
    DESIGN_ALIASES,
    DesignForm,
)
from hypotheses.experiments.metric_forms import design_extras
from hypotheses.experiments.page import (
    experiment_or_404,
    hypothesis_or_404,
    render_detail,
    to_detail,
)
from hypotheses.experiments.presenters import catalog_names, plan_view
from hypotheses.forms import apply_domain_error, flat_errors
from hypotheses.permissions import requires
from hypotheses.web_forms import as_user


@bp.route("/")
@requires("experiment.view")
def index():
    """List running tests with progress, then those awaiting a decision, designs and past tests."""
    db = get_session()
    return render_template(
        "experiments/index.html",
        running=experiment_common.running_tests(db, team=g.team),
        finished=experiment_common.list_experiments(
            db, team=g.team, status=ExperimentStatus.FINISHED
        ),
        designs=experiment_common.list_experiments(db, team=g.team, status=ExperimentStatus.DESIGN),
        ready=experiment_common.approved_without_design(db, team=g.team),
        past=experiment_common.list_experiments(
            db, team=g.team, status=(ExperimentStatus.STOPPED, ExperimentStatus.DECIDED), limit=30
        ),
        limit=g.team.active_test_limit,
    )


def _design_form(catalog: list[str], formdata=None) -> DesignForm:
    form = (
        DesignForm(formdata=formdata, meta={"csrf": False})
        if formdata is not None
        else DesignForm()
    )
    form.metric_choice.choices = [SelectChoice("", _("— choose a metric —"))] + [
        SelectChoice(n, n) for n in catalog
    ]
    return form


@bp.route("/design/<int:hypothesis_id>", methods=["GET", "POST"])
@requires("experiment.design")
def design(hypothesis_id: int):
    """Design a test: metric, baseline, effect, α, power, variants, traffic → sample size, days."""
    db = get_session()
    hypothesis = hypothesis_or_404(hypothesis_id)
    experiment = experiment_common.find_experiment(db, team=g.team, hypothesis_id=hypothesis.id)
    stored = (
        experiment_design.design_values(
            experiment, experiment_common.variants_of(db, experiment=experiment)
        )
        | stored_extras(db, experiment)
        if experiment
        else None
    )
    by_status = experiment_common.allowed_actions(experiment)
    if experiment is not None and not by_status & {"edit_design", "update_traffic"}:
        flash(_("This test has ended; its design is part of the record and stays."), "info")
        return to_detail(experiment)
    locked = experiment is not None and "edit_design" not in by_status
    savable = experiment_common.allowed_actions(experiment, hypothesis=hypothesis)
    catalog = catalog_names(db, team=g.team)
    form = _design_form(catalog)
    plan, changes, status = None, [], 200
    if request.method == "GET":
        if stored:
            form.fill(stored, catalog)
            form.version.data = experiment.version
        else:
            form.variants[0].variant_name.data, form.variants[1].variant_name.data = (
                _("Control"),
                "B",
            )
    elif form.validate_on_submit():
        data = form.to_data()
        if locked:  # only the traffic may change; the rest stays as pre-registered
            data = {**stored, "daily_visitors": form.daily_visitors.data}
            data |= {k: v for k, v in design_extras(form).items() if k in MONEY_FIELDS}
        try:
            if form.calculate.data:
                plan = experiments.preview_design(data=data)
            else:
                experiment = as_user(
                    experiments.save_design, hypothesis.id, data=data, version=form.version.data
                )
                flash(_("Test design saved."), "success")
                return to_detail(experiment)
        except StaleVersion as error:
            changes, status = error.changes, 409
            form.version.data = error.current_version
        except DomainError as error:
            apply_domain_error(form, error, DESIGN_ALIASES) or flash(error.message, "danger")
            status = error.status
    else:
        status = 422
    if plan is None and stored and not form.errors:
        plan = stored
    return render_template(
        "experiments/design.html",
        form=form,
        hypothesis=hypothesis,
        experiment=experiment,
        stored=stored,
        locked=locked,
        savable=bool(savable & {"design", "edit_design"}),
        plan=plan_view(plan),
        changes=changes,
        currency_sign=currency_symbol(g.team.currency),
    ), status


@bp.route("/design/<int:hypothesis_id>/calculate")
@requires("experiment.design")
def calculate(hypothesis_id: int):
    """Return the plan for the typed design as JSON (the page's live refresh; saves nothing)."""
    db = get_session()
    hypothesis_or_404(hypothesis_id)
    form = _design_form(catalog_names(db, team=g.team), formdata=request.args)
    if not form.validate():
        return jsonify(ok=False, errors=flat_errors(form))
    try:
        plan = experiments.preview_design(data=form.to_data())
    except DomainError as error:
        return jsonify(
            ok=False, errors={DESIGN_ALIASES.get(k) or k: v for k, v in error.fields.items()}
        )
    return jsonify(ok=True, **plan_view(plan))


@bp.route("/<int:experiment_id>")
@requires("experiment.view")
def detail(experiment_id: int):
    """Show a test: status, design (locked once started), results, analysis and decision."""
    return render_detail(experiment_or_404(experiment_id))
