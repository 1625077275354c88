"""A test's results and analyses: push results (JSON or a CSV body), the latest analysis,
every stored analysis, and re-running an old one with the current engine."""

from __future__ import annotations

import re

from flask import current_app, g, request
from flask_babel import gettext as _

from hypotheses.api.auth import as_token_user
from hypotheses.api.blueprint import bp
from hypotheses.api.errors import ApiError
from hypotheses.api.experiments import TAG, TEST
from hypotheses.api.openapi import operations, parse_query
from hypotheses.api.schemas_analysis import AnalysisList, AnalysisOut
from hypotheses.api.schemas_experiments import ResultsCsvQuery, ResultsIn
from hypotheses.api.stats_calc import analysis_out
from hypotheses.db import get_session
from hypotheses.domain.core.errors import NotFound, ValidationFailed
from hypotheses.domain.experiments import common as experiment_common
from hypotheses.domain.experiments import reruns, results_upload
from hypotheses.domain.experiments import results as experiment_results
from hypotheses.domain.experiments.metrics import metrics_of
from hypotheses.uploads import body_to_file

CSV_BODY = {
    "text/csv": {
        "schema": {"type": "string"},
        "example": "user_id,variant,converted\nu1,Control,0\nu2,B,1\n",
    }
}
on_results = operations(bp, tag=TAG, prefix=TEST, response=AnalysisOut)


def _csv_results(hypothesis_id: int):
    query = parse_query(ResultsCsvQuery)
    request.max_content_length = current_app.config["MAX_UPLOAD_BYTES"]
    # Copied into a named temporary file first (413 when Content-Length is over the limit), so
    # the engine reads the file by its path; removed when the answer is ready.
    with body_to_file(request.stream) as body:
        return as_token_user(
            results_upload.results_from_csv,
            hypothesis_id,
            file=body,
            kind=query.kind or "per-user",
            final=bool(query.final),
            file_name="api upload",
            variant_column=query.variant_column,
            conversion_column=query.conversion_column,
            value_column=query.value_column,
            finish_reason=query.reason,
        )


@on_results(
    "/results",
    "POST",
    summary="Push results",
    permission="experiment.results",
    body=ResultsIn,
    status=201,
    errors=(409,),
    extra_content=CSV_BODY,
    extra_query=ResultsCsvQuery,
)
def push_results(hypothesis_id: int, body: ResultsIn | None = None):
    """Aggregated numbers per variant as JSON, or a CSV body (`Content-Type: text/csv`): one
    row per user (variant, converted or value), or one row per variant with
    `?kind=aggregated`. Returns the stored analysis. Final results finish the test."""
    try:
        analysis = _push_results(hypothesis_id, body)
    except ValidationFailed as error:
        raise _metric_fields(error, hypothesis_id) from None
    return analysis_out(analysis)


def _metric_fields(error: ValidationFailed, hypothesis_id: int) -> ValidationFailed:
    """Name the other metrics' numbers as the API does: variants.<i>.metrics.<name>.<number>."""
    if not any(re.fullmatch(r"metric\d+_\w+_\d+", name) for name in error.errors):
        return error
    experiment = experiment_common.get_experiment(
        get_session(), team=g.team, hypothesis_id=hypothesis_id
    )
    names = [m.name for m in metrics_of(get_session(), experiment)]
    renamed: dict[str, list[str]] = {}
    for name, messages in error.errors.items():
        match = re.fullmatch(r"metric(\d+)_(\w+)_(\d+)", name)
        if match and int(match[1]) < len(names):
            name = f"variants.{match[3]}.metrics.{names[int(match[1])]}.{match[2]}"
        renamed.setdefault(name, []).extend(messages)
    return ValidationFailed(renamed, error.message)


def _push_results(hypothesis_id: int, body: ResultsIn | None):
    if request.mimetype == "text/csv":
        return _csv_results(hypothesis_id)
    if request.args:
        raise ApiError(
            422,
            _("Query parameters go with a text/csv body only."),
            fields={name: [_("Unknown parameter.")] for name in request.args},
        )
    return as_token_user(
        experiment_results.record_results,
        hypothesis_id,
        variants=[row.model_dump() for row in body.variants],
        final=body.final,
        source="api",
        finish_reason=body.reason,
    )


@on_results("/analysis", "GET", summary="The latest analysis", permission="experiment.view")
def get_analysis(hypothesis_id: int):
    """The latest stored analysis of the test's results (404 before any results)."""
    experiment = experiment_common.get_experiment(
        get_session(), team=g.team, hypothesis_id=hypothesis_id
    )
    analysis = experiment_common.latest_analysis(get_session(), experiment=experiment)
    if analysis is None:
        raise NotFound(_("This test has no results yet, so there is no analysis."))
    return analysis_out(analysis)


@on_results(
    "/analyses",
    "GET",
    summary="Every stored analysis",
    permission="experiment.view",
    response=AnalysisList,
)
def list_analyses(hypothesis_id: int):
    """Every stored analysis of the test's results, newest first, each with its `id` and the
    `engine_version` it was made with (an analysis re-run with a newer engine is listed beside
    the original)."""
    analyses = reruns.list_analyses(get_session(), team=g.team, hypothesis_id=hypothesis_id)
    return AnalysisList(items=[analysis_out(a) for a in analyses])


@on_results(
    "/analyses/<int:analysis_id>/rerun",
    "POST",
    summary="Re-run an analysis with the current engine",
    permission="experiment.results",
    status=201,
    errors=(409,),
)
def rerun_analysis(hypothesis_id: int, analysis_id: int):
    """Runs the current statistics engine on the stored inputs of an analysis made by an older
    engine and stores the result as a new analysis of the same results (returned); the old one
    is kept. 409 when the analysis is already the current engine's, or when its results have a
    newer analysis (re-run that one)."""
    return analysis_out(
        as_token_user(reruns.rerun_analysis, hypothesis_id, analysis_id=analysis_id)
    )
