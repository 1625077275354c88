"""Tests: design, start (within the limit), stop, decision, correction, finish. Results and
analyses are in hypotheses.api.analyses."""

from __future__ import annotations

from flask import g

from hypotheses.api.auth import as_token_user
from hypotheses.api.blueprint import bp
from hypotheses.api.errors import ApiError
from hypotheses.api.openapi import operations
from hypotheses.api.schemas_analysis import AnalysisOut
from hypotheses.api.schemas_experiments import (
    CorrectionIn,
    DesignIn,
    ExperimentOut,
    FinishIn,
    ReasonIn,
    TestDecisionIn,
    VariantOut,
)
from hypotheses.api.schemas_metrics import EXTRA_FIELDS, MetricOut
from hypotheses.api.shaping import filled, of_row
from hypotheses.api.stats_calc import analysis_out
from hypotheses.db import get_session
from hypotheses.domain.core.errors import LimitReached, ValidationFailed
from hypotheses.domain.experiments import common as experiment_common
from hypotheses.domain.experiments import ending as experiment_end
from hypotheses.domain.experiments import lifecycle as experiments
from hypotheses.domain.experiments import progress
from hypotheses.domain.experiments import results as experiment_results
from hypotheses.domain.experiments.metrics import metrics_of
from hypotheses.enums import ExperimentStatus
from hypotheses.models import Experiment, utcnow

TAG = "tests"
TEST = "/hypotheses/<int:hypothesis_id>"
DECISION_FIELDS = {"decision", "outcome", "learning", "follow_up_title", "reason"}
on_test = operations(bp, tag=TAG, prefix=TEST, method="POST", response=ExperimentOut, errors=(409,))


def experiment_out(experiment: Experiment, follow_up_id: int | None = None) -> ExperimentOut:
    """Serialise a test with its design, plan, dates and decision (the stored fields by their
    own names)."""
    e = experiment
    running = e.status == ExperimentStatus.RUNNING
    collected = experiment_common.smallest_arms(get_session(), [e.id]).get(e.id)
    return filled(
        ExperimentOut,
        of_row(e),
        metric=e.metric_name,
        days_left=progress.days_left(e, utcnow().date()),
        progress_percent=progress.percent(collected, e.per_variant) if running else None,
        variants=[
            VariantOut(name=v.name, split=v.split)
            for v in experiment_common.variants_of(get_session(), experiment=e)
        ],
        follow_up_id=follow_up_id,
        metrics=[filled(MetricOut, of_row(m)) for m in metrics_of(get_session(), e)],
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


@on_test(
    "/design", "PUT", summary="Save the test design", permission="experiment.design", body=DesignIn
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
        experiment = as_token_user(
            experiments.save_design, hypothesis_id, data=data, version=body.version
        )
    except ValidationFailed as error:
        raise _design_fields(error) from None
    return experiment_out(experiment)


@on_test("/start", summary="Start the test", permission="experiment.start")
def start_test(hypothesis_id: int):
    """Starts an approved, designed test and locks its design. When the team already runs as
    many tests as its limit allows: 409 `limit_reached` with the running tests in
    `error.running`."""
    try:
        experiment = as_token_user(experiments.start, hypothesis_id)
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


@on_test("/stop", summary="Stop (abort) the test", permission="experiment.stop", body=ReasonIn)
def stop_test(hypothesis_id: int, body: ReasonIn):
    """Aborts a running test with a reason; its slot is freed."""
    return experiment_out(as_token_user(experiment_end.stop, hypothesis_id, reason=body.reason))


@on_test(
    "/decision", summary="Record the decision", permission="experiment.decide", body=TestDecisionIn
)
def decide(hypothesis_id: int, body: TestDecisionIn):
    """Ship, iterate or kill a finished (or stopped) test, with its outcome and a one-line
    learning; optionally a follow-up hypothesis."""
    experiment, follow_up = as_token_user(
        experiment_end.decide, hypothesis_id, **body.model_dump(include=DECISION_FIELDS)
    )
    return experiment_out(experiment, follow_up.id if follow_up else None)


@on_test(
    "/decision/correction",
    summary="Correct the recorded decision",
    permission="experiment.decide",
    body=CorrectionIn,
)
def correct_decision(hypothesis_id: int, body: CorrectionIn):
    """A lead corrects a decided test's decision and outcome (and learning) with a reason;
    audited. Win rates and calibration follow the correction. 409 unless the test is decided."""
    experiment = as_token_user(
        experiment_end.correct_decision, hypothesis_id, **body.model_dump(include=DECISION_FIELDS)
    )
    return experiment_out(experiment)


@on_test(
    "/finish",
    summary="Finish the test",
    permission="experiment.finish",
    body=FinishIn,
    body_required=False,
    response=AnalysisOut,
)
def finish_test(hypothesis_id: int, body: FinishIn):
    """A lead ends a running test with its latest results as the final ones (returns the final
    analysis). Below the planned sample it needs a `reason` (422 on `reason` otherwise),
    recorded on the test. 409 when the test does not run or has no results."""
    analysis = as_token_user(
        experiment_results.finish, hypothesis_id, reason=body.reason, confirmed=bool(body.reason)
    )
    return analysis_out(analysis)
