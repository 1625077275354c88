"""Views that bring in a test's results: typed-in numbers, an aggregated CSV, a per-user CSV
(with its larger upload limit)."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask_babel import format_decimal
from flask_babel import gettext as _

from hypotheses.db import get_session
from hypotheses.domain.experiments import common as experiment_common
from hypotheses.domain.experiments import results_upload
from hypotheses.domain.experiments.metrics import metrics_of
from hypotheses.domain.experiments.results import record_results
from hypotheses.experiments.blueprint import bp
from hypotheses.experiments.forms import (
    CsvUploadForm,
    PerUserUploadForm,
    ResultsForm,
    results_rows,
)
from hypotheses.experiments.metric_forms import metric_cells
from hypotheses.experiments.page import (
    act,
    experiment_or_404,
    flash_back,
    form_action,
    render_detail,
)
from hypotheses.models import Experiment
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


def _saved() -> str:
    return _("Results saved and analysed.")


def _numbers(experiment: Experiment, form: ResultsForm) -> dict:
    """The typed numbers as the use case's arguments: the variants' rows (with the other
    metrics' cells) and whether they are final."""
    names = [v.name for v in experiment_common.variants_of(get_session(), experiment=experiment)]
    rows = results_rows(form, experiment.metric_kind, names)
    metrics = metrics_of(get_session(), experiment)
    for row, cells in zip(rows, metric_cells(metrics, request.form, len(rows)), strict=True):
        if cells:
            row["metrics"] = cells
    return {"final": form.final.data, "variants": rows}


@bp.route("/<int:experiment_id>/results", methods=["POST"])
@requires("experiment.results")
def results(experiment_id: int):
    """Save typed-in results per variant and analyse them."""
    return form_action(
        experiment_id, ResultsForm(), record_results, arguments=_numbers, done=_saved()
    )


def _upload(experiment_id: int, form: CsvUploadForm | PerUserUploadForm, kind: str):
    """A results file posted with *form*: its rows as *kind* results (the use case reads the
    file as it streams)."""
    experiment = experiment_or_404(experiment_id)
    if not form.validate_on_submit():
        return render_detail(experiment, status=422, **{form.page_key: form})
    upload = form.file.data
    if upload is None or not getattr(upload, "filename", ""):
        form.file.errors = [_("Choose a CSV file to upload.")]
        return render_detail(experiment, status=422, **{form.page_key: form})
    _analysis, refusal = act(
        experiment,
        results_upload.results_from_csv,
        form=form,
        form_key=form.page_key,
        file=upload.stream,
        kind=kind,
        file_name=upload.filename,
        **form.arguments(),
    )
    return refusal or flash_back(experiment, _saved(), form.anchor)


@bp.route("/<int:experiment_id>/results/csv", methods=["POST"])
@requires("experiment.results")
def upload_results(experiment_id: int):
    """Upload an aggregated results CSV (one row per variant)."""
    return _upload(experiment_id, CsvUploadForm(), "aggregated")


@bp.route("/<int:experiment_id>/results/per-user", methods=["POST"])
@requires("experiment.results")
def upload_users(experiment_id: int):
    """Upload a per-user CSV; it streams from a temporary file, never loaded whole."""
    return _upload(experiment_id, PerUserUploadForm(), "per-user")
