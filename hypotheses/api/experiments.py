"""Tests: design, start (within the limit), stop, results, analysis, decision."""

from __future__ import annotations

import re

from flask import current_app, g, request
from flask_babel import gettext as _

from hypotheses.api.auth import current_actor
from hypotheses.api.blueprint import bp
from hypotheses.api.errors import ApiError
from hypotheses.api.openapi import operation, parse_query
from hypotheses.api.schemas_experiments import (
    AnalysisList,
    AnalysisOut,
    CorrectionIn,
    DesignIn,
    ExperimentOut,
    FinishIn,
    ReasonIn,
    ResultsCsvQuery,
    ResultsIn,
    TestDecisionIn,
    VariantOut,
)
from hypotheses.api.schemas_metrics import EXTRA_FIELDS, MetricOut
from hypotheses.api.stats_calc import analysis_out
from hypotheses.db import get_session
from hypotheses.domain.core.errors import LimitReached, NotFound, ValidationFailed
from hypotheses.domain.experiments import common as experiment_common
from hypotheses.domain.experiments import ending as experiment_end
from hypotheses.domain.experiments import lifecycle as experiments
from hypotheses.domain.experiments import progress, reruns, results_upload
from hypotheses.domain.experiments import results as experiment_results
from hypotheses.domain.experiments.metrics import metrics_of
from hypotheses.enums import ExperimentStatus
from hypotheses.models import Experiment, utcnow
from hypotheses.uploads import body_to_file

TAG = "tests"
CSV_BODY = {
    "text/csv": {
        "schema": {"type": "string"},
        "example": "user_id,variant,converted\nu1,Control,0\nu2,B,1\n",
    }
}


def experiment_out(experiment: Experiment, follow_up_id: int | None = None) -> ExperimentOut:
    """Serialise a test with its design, plan, dates and decision."""
    e = experiment
    variants = experiment_common.variants_of(get_session(), experiment=e)
    running = e.status == ExperimentStatus.RUNNING
    collected = experiment_common.smallest_arms(get_session(), [e.id]).get(e.id)
    return ExperimentOut(
        id=e.id,
        hypothesis_id=e.hypothesis_id,
        status=e.status,
        version=e.version,
        metric=e.metric_name,
        metric_kind=e.metric_kind,
        baseline=e.baseline,
        baseline_sd=e.baseline_sd,
        mde=e.mde,
        mde_relative=e.mde_relative,
        alpha=e.alpha,
        power=e.power,
        daily_visitors=e.daily_visitors,
        per_variant=e.per_variant,
        duration_days=e.duration_days,
        days_left=progress.days_left(e, utcnow().date()),
        progress_percent=progress.percent(collected, e.per_variant) if running else None,
        variants=[VariantOut(name=v.name, split=v.split) for v in variants],
        started_at=e.started_at,
        ended_at=e.ended_at,
        stop_reason=e.stop_reason,
        decision=e.decision,
        outcome=e.outcome,
        learning=e.learning,
        decided_at=e.decided_at,
        follow_up_id=follow_up_id,
        finish_reason=e.finish_reason,
        decision_reason=e.decision_reason,
        corrected_at=e.corrected_at,
        correction_reason=e.correction_reason,
        metrics=[
            MetricOut(
                role=m.role,
                name=m.name,
                kind=m.kind,
                baseline=m.baseline,
                baseline_sd=m.baseline_sd,
                direction=m.direction,
                tolerance=m.tolerance,
            )
            for m in metrics_of(get_session(), e)
        ],
        value_per_conversion=e.value_per_conversion,
        metric_is_money=e.metric_is_money,
        monthly_traffic=e.monthly_traffic,
        currency=g.team.currency,
    )


def _design_fields(error: ValidationFailed) -> ValidationFailed:
    """Name the domain's design fields as the API does (metric, variants.<i>.name, ...)."""
    renamed: dict[str, list[str]] = {}
    for name, messages in error.errors.items():
        if name == "metric_name":
            name = "metric"
        elif name.startswith(("variant_name_", "variant_split_")):
            part, index = name[len("variant_") :].rsplit("_", 1)
            name = f"variants.{index}.{part}"
        elif name.startswith(("secondary_", "guardrail_")):
            role, rest = name.split("_", 1)
            part, index = rest.rsplit("_", 1)
            name = f"{'secondary' if role == 'secondary' else 'guardrails'}.{index}.{part}"
        renamed.setdefault(name, []).extend(messages)
    return ValidationFailed(renamed, error.message)


@operation(
    bp,
    "/hypotheses/<int:hypothesis_id>/design",
    "PUT",
    summary="Save the test design",
    permission="experiment.design",
    tag=TAG,
    body=DesignIn,
    response=ExperimentOut,
    errors=(409,),
)
def put_design(hypothesis_id: int, body: DesignIn):
    """Creates or updates the design of an approved hypothesis and returns the plan
    (`per_variant` sample size and `duration_days`). Once the test runs, only
    daily_visitors may change (409 otherwise)."""
    data = body.model_dump(exclude={"version", "metric"})
    data["metric_name"] = body.metric
    data["variants"] = [v.model_dump() for v in body.variants]
    for name in EXTRA_FIELDS:  # left out: the stored metrics and money stay
        if name not in body.model_fields_set:
            data.pop(name, None)
    try:
        experiment = experiments.save_design(
            get_session(),
            team=g.team,
            actor=current_actor(),
            hypothesis_id=hypothesis_id,
            data=data,
            version=body.version,
        )
    except ValidationFailed as error:
        raise _design_fields(error) from None
    return experiment_out(experiment)


@operation(
    bp,
    "/hypotheses/<int:hypothesis_id>/start",
    "POST",
    summary="Start the test",
    permission="experiment.start",
    tag=TAG,
    response=ExperimentOut,
    errors=(409,),
)
def start_test(hypothesis_id: int):
    """Starts an approved, designed test and locks its design. When the team already runs as
    many tests as its limit allows: 409 `limit_reached` with the running tests in
    `error.running`."""
    try:
        experiment = experiments.start(
            get_session(), team=g.team, actor=current_actor(), hypothesis_id=hypothesis_id
        )
    except LimitReached as error:
        running = [
            {
                "hypothesis_id": row.hypothesis.id,
                "title": row.hypothesis.title,
                "started_at": row.experiment.started_at.isoformat()
                if row.experiment.started_at
                else None,
            }
            for row in experiment_common.running_tests(get_session(), team=g.team)
        ]
        get_session().rollback()
        raise ApiError(409, error.message, code=error.code, running=running) from None
    return experiment_out(experiment)


@operation(
    bp,
    "/hypotheses/<int:hypothesis_id>/stop",
    "POST",
    summary="Stop (abort) the test",
    permission="experiment.stop",
    tag=TAG,
    body=ReasonIn,
    response=ExperimentOut,
    errors=(409,),
)
def stop_test(hypothesis_id: int, body: ReasonIn):
    """Aborts a running test with a reason; its slot is freed."""
    experiment = experiment_end.stop(
        get_session(),
        team=g.team,
        actor=current_actor(),
        hypothesis_id=hypothesis_id,
        reason=body.reason,
    )
    return experiment_out(experiment)


def _csv_results(hypothesis_id: int):
    query = parse_query(ResultsCsvQuery)
    request.max_content_length = current_app.config["MAX_UPLOAD_BYTES"]
    # Copied into a named temporary file first (413 when Content-Length is over the limit), so
    # the engine reads the file by its path; removed when the answer is ready.
    with body_to_file(request.stream) as body:
        return results_upload.results_from_csv(
            get_session(),
            team=g.team,
            actor=current_actor(),
            hypothesis_id=hypothesis_id,
            file=body,
            kind=query.kind or "per-user",
            final=bool(query.final),
            file_name="api upload",
            variant_column=query.variant_column,
            conversion_column=query.conversion_column,
            value_column=query.value_column,
            finish_reason=query.reason,
        )


@operation(
    bp,
    "/hypotheses/<int:hypothesis_id>/results",
    "POST",
    summary="Push results",
    permission="experiment.results",
    tag=TAG,
    body=ResultsIn,
    response=AnalysisOut,
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
        analysis = _csv_results(hypothesis_id)
    else:
        if request.args:
            raise ApiError(
                422,
                _("Query parameters go with a text/csv body only."),
                fields={name: [_("Unknown parameter.")] for name in request.args},
            )
        rows = [row.model_dump() for row in body.variants]
        analysis = experiment_results.record_results(
            get_session(),
            team=g.team,
            actor=current_actor(),
            hypothesis_id=hypothesis_id,
            variants=rows,
            final=body.final,
            source="api",
            finish_reason=body.reason,
        )
    return analysis


@operation(
    bp,
    "/hypotheses/<int:hypothesis_id>/analysis",
    "GET",
    summary="The latest analysis",
    permission="experiment.view",
    tag=TAG,
    response=AnalysisOut,
)
def get_analysis(hypothesis_id: int):
    """The latest stored analysis of the test's results (404 before any results)."""
    experiment = experiment_common.get_experiment(
        get_session(), team=g.team, hypothesis_id=hypothesis_id
    )
    analysis = experiment_common.latest_analysis(get_session(), experiment=experiment)
    if analysis is None:
        raise NotFound(_("This test has no results yet, so there is no analysis."))
    return analysis_out(analysis)


@operation(
    bp,
    "/hypotheses/<int:hypothesis_id>/analyses",
    "GET",
    summary="Every stored analysis",
    permission="experiment.view",
    tag=TAG,
    response=AnalysisList,
)
def list_analyses(hypothesis_id: int):
    """Every stored analysis of the test's results, newest first, each with its `id` and the
    `engine_version` it was made with (an analysis re-run with a newer engine is listed beside
    the original)."""
    analyses = reruns.list_analyses(get_session(), team=g.team, hypothesis_id=hypothesis_id)
    return AnalysisList(items=[analysis_out(a) for a in analyses])


@operation(
    bp,
    "/hypotheses/<int:hypothesis_id>/analyses/<int:analysis_id>/rerun",
    "POST",
    summary="Re-run an analysis with the current engine",
    permission="experiment.results",
    tag=TAG,
    response=AnalysisOut,
    status=201,
    errors=(409,),
)
def rerun_analysis(hypothesis_id: int, analysis_id: int):
    """Runs the current statistics engine on the stored inputs of an analysis made by an older
    engine and stores the result as a new analysis of the same results (returned); the old one
    is kept. 409 when the analysis is already the current engine's, or when its results have a
    newer analysis (re-run that one)."""
    analysis = reruns.rerun_analysis(
        get_session(),
        team=g.team,
        actor=current_actor(),
        hypothesis_id=hypothesis_id,
        analysis_id=analysis_id,
    )
    return analysis_out(analysis)


@operation(
    bp,
    "/hypotheses/<int:hypothesis_id>/decision",
    "POST",
    summary="Record the decision",
    permission="experiment.decide",
    tag=TAG,
    body=TestDecisionIn,
    response=ExperimentOut,
    errors=(409,),
)
def decide(hypothesis_id: int, body: TestDecisionIn):
    """Ship, iterate or kill a finished (or stopped) test, with its outcome and a one-line
    learning; optionally a follow-up hypothesis."""
    experiment, follow_up = experiment_end.decide(
        get_session(),
        team=g.team,
        actor=current_actor(),
        hypothesis_id=hypothesis_id,
        decision=body.decision,
        outcome=body.outcome,
        learning=body.learning,
        follow_up_title=body.follow_up_title,
        reason=body.reason,
    )
    return experiment_out(experiment, follow_up.id if follow_up else None)


@operation(
    bp,
    "/hypotheses/<int:hypothesis_id>/decision/correction",
    "POST",
    summary="Correct the recorded decision",
    permission="experiment.decide",
    tag=TAG,
    body=CorrectionIn,
    response=ExperimentOut,
    errors=(409,),
)
def correct_decision(hypothesis_id: int, body: CorrectionIn):
    """A lead corrects a decided test's decision and outcome (and learning) with a reason;
    audited. Win rates and calibration follow the correction. 409 unless the test is decided."""
    experiment = experiment_end.correct_decision(
        get_session(),
        team=g.team,
        actor=current_actor(),
        hypothesis_id=hypothesis_id,
        decision=body.decision,
        outcome=body.outcome,
        reason=body.reason,
        learning=body.learning,
    )
    return experiment_out(experiment)


@operation(
    bp,
    "/hypotheses/<int:hypothesis_id>/finish",
    "POST",
    summary="Finish the test",
    permission="experiment.finish",
    tag=TAG,
    body=FinishIn,
    body_required=False,
    response=AnalysisOut,
    errors=(409,),
)
def finish_test(hypothesis_id: int, body: FinishIn):
    """A lead ends a running test with its latest results as the final ones (returns the final
    analysis). Below the planned sample it needs a `reason` (422 on `reason` otherwise),
    recorded on the test. 409 when the test does not run or has no results."""
    analysis = experiment_results.finish(
        get_session(),
        team=g.team,
        actor=current_actor(),
        hypothesis_id=hypothesis_id,
        reason=body.reason,
        confirmed=bool(body.reason),
    )
    return analysis_out(analysis)
