"""Views of the test lifecycle: list, design, the test page, start/stop, results, decision.

Views are thin: parse the form, call one domain function, then flash and redirect or render.
Refusals come back as DomainErrors and are shown next to their field (or as an alert).
"""

from __future__ import annotations

from flask import abort, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from hypotheses.db import get_session
from hypotheses.domain.core.errors import DomainError, NotFound, StaleVersion
from hypotheses.domain.core.numbers import to_int
from hypotheses.domain.experiments import common as experiment_common
from hypotheses.domain.experiments import design as experiment_design
from hypotheses.domain.experiments import ending as experiment_end
from hypotheses.domain.experiments import lifecycle as experiments
from hypotheses.domain.experiments import reruns, results_upload
from hypotheses.domain.experiments import results as experiment_results
from hypotheses.domain.experiments.impact import currency_symbol
from hypotheses.domain.experiments.metrics import MONEY_FIELDS, metrics_of, stored_extras
from hypotheses.enums import ExperimentStatus
from hypotheses.experiments.blueprint import bp
from hypotheses.experiments.decision_forms import CorrectionForm, FinishForm
from hypotheses.experiments.forms import (
    DESIGN_ALIASES,
    CsvUploadForm,
    DecisionForm,
    DesignForm,
    PerUserUploadForm,
    ResultsForm,
    StopForm,
    results_rows,
)
from hypotheses.experiments.metric_forms import design_extras, metric_cells
from hypotheses.experiments.presenters import catalog_names, detail_context, plan_view
from hypotheses.forms import ConfirmForm, apply_domain_error, flat_errors
from hypotheses.models import Experiment, Hypothesis
from hypotheses.permissions import requires

UPLOAD_ENDPOINT = "experiments.upload_users"


@bp.url_value_preprocessor
def _upload_limit(endpoint: str | None, _values) -> None:
    # Runs before every before_request hook, including the CSRF check that parses the body,
    # so the per-user upload gets its larger limit before anything reads the request.
    if endpoint == UPLOAD_ENDPOINT:
        request.max_content_length = current_app.config["MAX_UPLOAD_BYTES"]


@bp.errorhandler(413)
def too_large(_error):
    """Explain the upload limits instead of the generic 413 page."""
    big = current_app.config["MAX_UPLOAD_BYTES"] // (1024 * 1024)
    small = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)
    message = _(
        "The file is larger than allowed: per-user files may be up to %(big)s MiB, other "
        "uploads up to %(small)s MiB. Nothing was saved.",
        big=format_decimal(big),
        small=small,
    )
    return render_template(
        "errors/error.html", status=413, title=_("File too large"), message=message
    ), 413


def _experiment(experiment_id: int) -> Experiment:
    try:
        return experiment_common.get_experiment(
            get_session(), team=g.team, experiment_id=experiment_id
        )
    except NotFound:
        abort(404)


def _hypothesis(hypothesis_id: int) -> Hypothesis:
    try:
        return experiment_common.get_hypothesis(
            get_session(), team=g.team, hypothesis_id=hypothesis_id
        )
    except NotFound:
        abort(404)


def _confirmed() -> None:
    if not ConfirmForm().validate_on_submit():
        abort(400)


def _to_detail(experiment: Experiment, anchor: str | None = None):
    return redirect(url_for("experiments.detail", experiment_id=experiment.id, _anchor=anchor))


def _render_detail(experiment: Experiment, status: int = 200, **forms):
    context = detail_context(
        get_session(),
        team=g.team,
        experiment=experiment,
        # Range-checked where they enter: past INTEGER (or not a number) means "not given".
        look=to_int(request.args.get("look")),
        analysis_id=to_int(request.args.get("analysis"), minimum=1),
        forms=forms,
    )
    return render_template("experiments/detail.html", **context), status


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
    hypothesis = _hypothesis(hypothesis_id)
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
        return redirect(url_for("experiments.detail", experiment_id=experiment.id))
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
                experiment = experiments.save_design(
                    db,
                    team=g.team,
                    actor=current_user,
                    hypothesis_id=hypothesis.id,
                    data=data,
                    version=form.version.data,
                )
                flash(_("Test design saved."), "success")
                return redirect(url_for("experiments.detail", experiment_id=experiment.id))
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
    _hypothesis(hypothesis_id)
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


def _act(experiment: Experiment, use_case, *, form=None, form_key: str = "", **arguments):
    """Run *use_case* on *experiment*'s test as the signed-in user: (its result, None), or
    (None, the detail page re-rendered with the refusal on *form*'s fields, else flashed)."""
    try:
        result = use_case(
            get_session(),
            team=g.team,
            actor=current_user,
            hypothesis_id=experiment.hypothesis_id,
            **arguments,
        )
    except DomainError as error:
        g.domain_errors = getattr(error, "fields", {})  # cells outside the form (metric numbers)
        if form is None or not apply_domain_error(form, error):
            flash(error.message, "danger")
        forms = {form_key: form} if form_key else {}
        return None, _render_detail(experiment, status=error.status, **forms)
    return result, None


@bp.route("/<int:experiment_id>")
@requires("experiment.view")
def detail(experiment_id: int):
    """Show a test: status, design (locked once started), results, analysis and decision."""
    return _render_detail(_experiment(experiment_id))


@bp.route("/<int:experiment_id>/start", methods=["POST"])
@requires("experiment.start")
def start(experiment_id: int):
    """Start the test (lead); refused with the running tests' names when the limit is reached."""
    experiment = _experiment(experiment_id)
    _confirmed()
    _started, refusal = _act(experiment, experiments.start)  # LimitReached: 409
    if refusal:
        return refusal
    flash(_("Test started. Its design is now locked."), "success")
    return _to_detail(experiment)


@bp.route("/<int:experiment_id>/stop", methods=["POST"])
@requires("experiment.stop")
def stop(experiment_id: int):
    """Abort a running test with a reason; its slot is freed."""
    experiment = _experiment(experiment_id)
    form = StopForm()
    if form.validate_on_submit():
        _stopped, refusal = _act(
            experiment,
            experiment_end.stop,
            form=form,
            form_key="stop_form",
            reason=form.reason.data,
        )
        if refusal:
            return refusal
        flash(_("Test stopped."), "success")
        return _to_detail(experiment)
    return _render_detail(experiment, status=422, stop_form=form)


@bp.route("/<int:experiment_id>/finish", methods=["POST"])
@requires("experiment.finish")
def finish(experiment_id: int):
    """End a running test with its latest results as the final ones (a lead; below the planned
    sample with a confirmation and a written reason)."""
    experiment = _experiment(experiment_id)
    form = FinishForm()
    if not form.validate_on_submit():
        return _render_detail(experiment, status=422, finish_form=form)
    _analysis, refusal = _act(
        experiment,
        experiment_results.finish,
        form=form,
        form_key="finish_form",
        reason=form.reason.data,
        confirmed=bool(form.confirm.data),
    )
    if refusal:
        return refusal
    flash(_("Test finished. A lead can now record the decision."), "success")
    return _to_detail(experiment, "analysis")


@bp.route("/<int:experiment_id>/analyses/<int:analysis_id>/rerun", methods=["POST"])
@requires("experiment.results")
def rerun_analysis(experiment_id: int, analysis_id: int):
    """Re-run a stored analysis made by an older engine with the current one; the new analysis
    is stored beside the old one."""
    experiment = _experiment(experiment_id)
    _confirmed()
    try:
        analysis = reruns.rerun_analysis(
            get_session(),
            team=g.team,
            actor=current_user,
            hypothesis_id=experiment.hypothesis_id,
            analysis_id=analysis_id,
        )
    except NotFound:
        abort(404)
    except DomainError as error:
        flash(error.message, "danger")
        return _render_detail(experiment, status=error.status)
    flash(
        _(
            "Analysed again with engine %(version)s; the earlier analysis is kept.",
            version=analysis.engine_version,
        ),
        "success",
    )
    return redirect(
        url_for(
            "experiments.detail",
            experiment_id=experiment.id,
            look=analysis.result_set_id,
            _anchor="analysis",
        )
    )


def _after_results(experiment: Experiment):
    flash(_("Results saved and analysed."), "success")
    return _to_detail(experiment, "analysis")


@bp.route("/<int:experiment_id>/results", methods=["POST"])
@requires("experiment.results")
def results(experiment_id: int):
    """Save typed-in results per variant and analyse them."""
    experiment = _experiment(experiment_id)
    form = ResultsForm()
    if form.validate_on_submit():
        names = [
            v.name for v in experiment_common.variants_of(get_session(), experiment=experiment)
        ]
        rows = results_rows(form, experiment.metric_kind, names)
        metrics = metrics_of(get_session(), experiment)
        for row, cells in zip(rows, metric_cells(metrics, request.form, len(rows)), strict=True):
            if cells:
                row["metrics"] = cells
        _analysis, refusal = _act(
            experiment,
            experiment_results.record_results,
            form=form,
            form_key="results_form",
            final=form.final.data,
            variants=rows,
        )
        return refusal or _after_results(experiment)
    return _render_detail(experiment, status=422, results_form=form)


def _upload(experiment: Experiment, form, kind: str, form_key: str, **columns):
    if not form.validate_on_submit():
        return _render_detail(experiment, status=422, **{form_key: form})
    upload = form.file.data
    if upload is None or not getattr(upload, "filename", ""):
        form.file.errors = [_("Choose a CSV file to upload.")]
        return _render_detail(experiment, status=422, **{form_key: form})
    _analysis, refusal = _act(
        experiment,
        results_upload.results_from_csv,
        form=form,
        form_key=form_key,
        file=upload.stream,
        kind=kind,
        final=form.final.data,
        file_name=upload.filename,
        **columns,
    )
    return refusal or _after_results(experiment)


@bp.route("/<int:experiment_id>/results/csv", methods=["POST"])
@requires("experiment.results")
def upload_results(experiment_id: int):
    """Upload an aggregated results CSV (one row per variant)."""
    experiment = _experiment(experiment_id)
    return _upload(experiment, CsvUploadForm(), "aggregated", "csv_form")


@bp.route("/<int:experiment_id>/results/per-user", methods=["POST"])
@requires("experiment.results")
def upload_users(experiment_id: int):
    """Upload a per-user CSV; it streams from a temporary file, never loaded whole."""
    experiment = _experiment(experiment_id)
    form = PerUserUploadForm()
    return _upload(
        experiment,
        form,
        "per-user",
        "user_form",
        variant_column=form.variant_column.data,
        conversion_column=form.conversion_column.data,
        value_column=form.value_column.data,
    )


@bp.route("/<int:experiment_id>/decision", methods=["POST"])
@requires("experiment.decide")
def decision(experiment_id: int):
    """Record ship / iterate / kill, the outcome, the learning and an optional follow-up."""
    experiment = _experiment(experiment_id)
    form = DecisionForm()
    if form.validate_on_submit():
        decided, refusal = _act(
            experiment,
            experiment_end.decide,
            form=form,
            form_key="decision_form",
            decision=form.decision.data,
            outcome=form.outcome.data,
            learning=form.learning.data,
            follow_up_title=form.follow_up_title.data,
            reason=form.reason.data,
        )
        if refusal:
            return refusal
        _exp, child = decided
        flash(
            _("Decision recorded. The test's slot is free and the learning is in the library."),
            "success",
        )
        if child is not None:
            flash(_("Follow-up hypothesis #%(id)d created.", id=child.id), "info")
        return _to_detail(experiment)
    return _render_detail(experiment, status=422, decision_form=form)


@bp.route("/<int:experiment_id>/correct", methods=["POST"])
@requires("experiment.decide")
def correct_decision(experiment_id: int):
    """A lead corrects the recorded decision (new decision and outcome, with a reason)."""
    experiment = _experiment(experiment_id)
    form = CorrectionForm()
    if form.validate_on_submit():
        _corrected, refusal = _act(
            experiment,
            experiment_end.correct_decision,
            form=form,
            form_key="correction_form",
            decision=form.decision.data,
            outcome=form.outcome.data,
            learning=form.learning.data,
            reason=form.reason.data,
        )
        if refusal:
            return refusal
        flash(_("Decision corrected. Win rates and calibration follow it."), "success")
        return _to_detail(experiment)
    return _render_detail(experiment, status=422, correction_form=form)
