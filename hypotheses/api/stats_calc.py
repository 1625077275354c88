"""Stateless calculators over the statistics engine, and the analysis shape every endpoint returns.

`POST /stats/analyze` runs the same engine call the stored analyses use
(`domain.experiments.analyses.run_engine`); `POST /stats/sample-size` validates and plans with
the test design's own rules (`domain.experiments.design`), so nothing here is a second copy of
a rule.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import g

from hypotheses.api.blueprint import bp
from hypotheses.api.openapi import operations
from hypotheses.api.schemas_analysis import (
    AnalysisOut,
    AnalyzeIn,
    ComparisonOut,
    SampleSizeIn,
    SampleSizeOut,
    SequentialOut,
    SrmOut,
    TrustOut,
    TrustReasonOut,
    WarningOut,
)
from hypotheses.api.shaping import filled
from hypotheses.domain.core.errors import ValidationFailed
from hypotheses.domain.experiments import design as experiment_design
from hypotheses.domain.experiments import trust, verdict_warnings, verdicts
from hypotheses.domain.experiments.analyses import check_looks, run_engine
from hypotheses.models import Analysis

TAG = "statistics"
stats_operation = operations(
    bp, tag=TAG, prefix="/stats", method="POST", permission="experiment.view"
)


INTERVALS = {"abs_ci", "rel_ci"}


def _pair(value: Any) -> list[float] | None:
    return [float(value[0]), float(value[1])] if isinstance(value, list | tuple) else None


def _numbers(item: dict[str, Any]) -> Callable[[str], Any]:
    """Read a field from the engine's dict: intervals as [low, high], the rest as stored."""
    return lambda name: _pair(item.get(name)) if name in INTERVALS else item.get(name)


def analysis_from_output(
    output: dict[str, Any],
    *,
    engine_version: str,
    inputs: dict[str, Any] | None = None,
    stored: Analysis | None = None,
) -> AnalysisOut:
    """Shape the engine's output (AnalysisResult.to_dict()) and its inputs for the API; *stored*
    is the stored analysis they are of (None for numbers analysed on the fly). The verdict and
    warnings are worded in the request's language (Accept-Language); codes, field names and enum
    values never are. Codes and numbers that engines before 2.0.0 did not store are derived from
    the stored numbers (domain.experiments.verdicts)."""
    raw = output
    verdict = verdicts.verdict_text(raw, stored.verdict if stored else "")
    trusted = trust.trust_of(raw)
    output = verdicts.normalized(output) or {}
    comparisons = [
        filled(
            ComparisonOut,
            _numbers(item),
            verdict=verdicts.comparison_sentence(raw, item),
            sequential=filled(SequentialOut, _numbers(item["sequential"]))
            if item.get("sequential")
            else None,
            verdict_code=item.get("verdict_code") or None,
        )
        for item in output.get("comparisons", [])
    ]
    srm = output.get("srm")
    inputs = inputs or {}
    return AnalysisOut(
        id=stored.id if stored else None,
        verdict=verdict or "",
        headline=trust.guarded(trusted, verdict) or "",
        trust=TrustOut(
            trusted=trusted.trusted,
            reasons=[TrustReasonOut(**r.as_dict()) for r in trusted.reasons],
        ),
        method=output.get("method"),
        metric_kind=output.get("metric_kind"),
        metric=output.get("metric_name"),
        alpha=output.get("alpha"),
        correction=output.get("correction"),
        comparisons=comparisons,
        srm=SrmOut(p_value=srm.get("p_value"), mismatch=bool(srm.get("mismatch"))) if srm else None,
        warnings=[
            WarningOut(code=w.code, message=w.message) for w in verdict_warnings.warnings(raw)
        ],
        early_look=output.get("early_look"),
        final=output.get("final"),
        engine_version=engine_version,
        computed_at=stored.created_at if stored else None,
        early_look_method=inputs.get("early_look_method"),
        looks=inputs.get("looks"),
        details=output,
    )


def analysis_out(analysis: Analysis) -> AnalysisOut:
    """Shape a stored analysis for the API."""
    from hypotheses.domain.experiments.common import analysis_output

    output = analysis_output(analysis) or {}
    return analysis_from_output(
        output, engine_version=analysis.engine_version, inputs=analysis.inputs, stored=analysis
    )


@stats_operation(
    "/analyze", summary="Analyse numbers (no stored test)", body=AnalyzeIn, response=AnalysisOut
)
def stats_analyze(body: AnalyzeIn):
    """Runs the engine the stored analyses use: each variant against the first (control),
    Holm-corrected when several, SRM check, Bayesian view, and below `planned_per_variant` the
    early-look result of `early_look_method` (the team's setting unless given): a
    group-sequential bound from the earlier `looks`, or the always-valid result. Nothing is
    saved."""
    pairs = [
        [
            row.name,
            [row.visitors, row.conversions]
            if hasattr(row, "visitors")
            else [row.n, row.mean, row.sd],
        ]
        for row in body.variants
    ]
    method = body.early_look_method or g.team.early_look_method
    sizes = [row.visitors if hasattr(row, "visitors") else row.n for row in body.variants]
    looks = check_looks(
        body.looks, current=min(sizes), planned=body.planned_per_variant, method=method
    )
    inputs = {
        "metric_kind": body.metric_kind,
        "variants": pairs,
        "planned_split": body.planned_split,
        "planned_per_variant": body.planned_per_variant,
        "alpha": body.alpha,
        "correction": body.correction,
        "metric_name": body.metric,
        "final": body.final,
        "early_look_method": method,
        "looks": looks,
    }
    result = run_engine(inputs)
    return analysis_from_output(
        result.to_dict(),
        engine_version=str(result.engine_version),
        inputs=inputs,
    )


@stats_operation(
    "/sample-size",
    summary="Plan a test: sample size and duration",
    body=SampleSizeIn,
    response=SampleSizeOut,
)
def stats_sample_size(body: SampleSizeIn):
    """Sample size per variant (two-sided, as R's power.prop.test for conversions) and, with
    `daily_visitors`, the duration in days."""
    data = body.model_dump()
    data["metric_name"] = "calculator"
    data["variants"] = [{"name": f"arm {i}", "split": None} for i in range(body.variants)]
    data["daily_visitors"] = body.daily_visitors or 1  # duration reported only when given
    try:
        values = experiment_design.validate_design(data)
    except ValidationFailed as error:
        error.errors.pop("metric_name", None)
        raise
    return SampleSizeOut(
        per_variant=values["per_variant"],
        total=values["per_variant"] * body.variants,
        duration_days=values["duration_days"] if body.daily_visitors else None,
    )
