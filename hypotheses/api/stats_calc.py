"""Stateless calculators over the statistics engine, and the analysis shape every endpoint returns.

`POST /stats/analyze` runs the same engine call the stored analyses use
(`domain.results.run_engine`); `POST /stats/sample-size` validates and plans with the test
design's own rules (`domain.experiments.design`), so nothing here is a second copy of a rule.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import g

from hypotheses.api.blueprint import bp
from hypotheses.api.openapi import operation
from hypotheses.api.schemas_experiments import (
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
from hypotheses.domain.core.errors import ValidationFailed
from hypotheses.domain.experiments import design as experiment_design
from hypotheses.domain.experiments import trust, verdict_warnings, verdicts
from hypotheses.domain.experiments.analyses import check_looks, run_engine
from hypotheses.models import Analysis

TAG = "statistics"


def _pair(value: Any) -> list[float] | None:
    return [float(value[0]), float(value[1])] if isinstance(value, list | tuple) else None


def analysis_from_output(
    output: dict[str, Any],
    *,
    engine_version: str,
    stored_verdict: str = "",
    computed_at: datetime | None = None,
    inputs: dict[str, Any] | None = None,
    analysis_id: int | None = None,
) -> AnalysisOut:
    """Shape the engine's output (AnalysisResult.to_dict()) and its inputs for the API. The
    verdict and warnings are worded in the request's language (Accept-Language); codes, field
    names and enum values never are. Codes and numbers that engines before 2.0.0 did not store
    are derived from the stored numbers (domain.experiments.verdicts)."""
    raw = output
    trusted = trust.trust_of(raw)
    output = verdicts.normalized(output) or {}
    comparisons = []
    for item in output.get("comparisons", []):
        seq = item.get("sequential")
        comparisons.append(
            ComparisonOut(
                variant=item["variant"],
                control=item.get("control"),
                method=item.get("method"),
                control_value=item.get("control_value"),
                variant_value=item.get("variant_value"),
                p_value=item.get("p_value"),
                adjusted_p_value=item.get("adjusted_p_value"),
                abs_diff=item.get("abs_diff"),
                abs_ci=_pair(item.get("abs_ci")),
                rel_lift=item.get("rel_lift"),
                rel_ci=_pair(item.get("rel_ci")),
                prob_beat_control=item.get("prob_beat_control"),
                expected_loss=item.get("expected_loss"),
                significant=item.get("significant"),
                verdict=verdicts.comparison_sentence(raw, item),
                sequential=None
                if not seq
                else SequentialOut(
                    method=seq.get("method"),
                    p_value=seq.get("p_value"),
                    adjusted_p_value=seq.get("adjusted_p_value"),
                    abs_ci=_pair(seq.get("abs_ci")),
                    rel_ci=_pair(seq.get("rel_ci")),
                    significant=seq.get("significant"),
                    z_bound=seq.get("z_bound"),
                    information_fraction=seq.get("information_fraction"),
                    look=seq.get("look"),
                    alpha_spent=seq.get("alpha_spent"),
                ),
                interval_agrees=item.get("interval_agrees"),
                verdict_code=item.get("verdict_code") or None,
                verdict_data=item.get("verdict_data"),
            )
        )
    srm = output.get("srm")
    inputs = inputs or {}
    return AnalysisOut(
        id=analysis_id,
        verdict=verdicts.verdict_text(raw, stored_verdict) or "",
        headline=trust.guarded(trusted, verdicts.verdict_text(raw, stored_verdict)) or "",
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
        computed_at=computed_at,
        early_look_method=inputs.get("early_look_method"),
        looks=inputs.get("looks"),
        details=output,
    )


def analysis_out(analysis: Analysis) -> AnalysisOut:
    """Shape a stored analysis for the API."""
    from hypotheses.domain.experiments.common import analysis_output

    return analysis_from_output(
        analysis_output(analysis) or {},
        stored_verdict=analysis.verdict,
        engine_version=analysis.engine_version,
        computed_at=analysis.created_at,
        inputs=analysis.inputs,
        analysis_id=analysis.id,
    )


@operation(
    bp,
    "/stats/analyze",
    "POST",
    summary="Analyse numbers (no stored test)",
    permission="experiment.view",
    tag=TAG,
    body=AnalyzeIn,
    response=AnalysisOut,
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


@operation(
    bp,
    "/stats/sample-size",
    "POST",
    summary="Plan a test: sample size and duration",
    permission="experiment.view",
    tag=TAG,
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
