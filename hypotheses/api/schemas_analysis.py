"""Shapes of an analysis (stored or computed on the fly) and of the statistics calculators."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import Field

from hypotheses.api.schemas import In, Out, doc, example
from hypotheses.api.schemas_experiments import CONTINUOUS_NEEDS_SD, KINDS, Row
from hypotheses.domain.experiments.design import MAX_DAILY, MAX_METRIC, MAX_VARIANTS
from hypotheses.domain.experiments.results import MAX_COUNT
from hypotheses.enums import EarlyLookMethod
from stats.group_sequential import MAX_LOOKS

EARLY_LOOK_METHODS = [m.value for m in EarlyLookMethod]
LookSize = Annotated[int, Field(ge=1, le=MAX_COUNT)]


class SequentialOut(Out):
    """The sequential result the verdict reads: at an early look, and at the last look of a
    group-sequential test. Group-sequential looks also give their bound on |z|, information
    fraction (observed ÷ planned per arm), number (1-based) and the cumulative α spent;
    always-valid results (and analyses of engines before 2.0.0) leave those null."""

    method: str | None = None
    p_value: float | None
    adjusted_p_value: float | None
    abs_ci: list[float] | None
    rel_ci: list[float] | None = Field(
        description="Relative interval; null when it cannot be bounded (means) or is undefined."
    )
    significant: bool | None
    z_bound: float | None = None
    information_fraction: float | None = None
    look: int | None = None
    alpha_spent: float | None = None


class ComparisonOut(Out):
    variant: str
    control: str | None
    method: str | None
    control_value: float | None
    variant_value: float | None
    p_value: float | None
    adjusted_p_value: float | None
    abs_diff: float | None
    abs_ci: list[float] | None
    rel_lift: float | None
    rel_ci: list[float] | None = Field(
        description="Relative interval (score for conversions, Fieller for means); null when "
        "either arm has no conversions or the relative change of means cannot be bounded."
    )
    prob_beat_control: float | None
    expected_loss: float | None
    significant: bool | None = Field(description="The fixed-horizon test's call.")
    verdict: str | None = Field(
        description="This variant's verdict in the request's language (Accept-Language)."
    )
    sequential: SequentialOut | None
    interval_agrees: bool | None = Field(
        None,
        description="False when, in the Fisher's exact test region, the score intervals "
        "disagree with Fisher's p; the verdict then states no interval.",
    )
    verdict_code: str | None = Field(
        None,
        description="[early_]significant_up, [early_]significant_down or "
        "[early_]not_significant: the verdict's own call (for analyses of engines before 2.0.0, "
        "derived from their stored numbers).",
    )
    verdict_data: dict[str, Any] | None = Field(
        None,
        description="The numbers the verdict states: lift_kind, lift, ci, ci_level, p_value, "
        "p_kind, alpha, control_value, variant_value, interval_omitted, relative_unbounded.",
    )


class SrmOut(Out):
    p_value: float | None
    mismatch: bool


class WarningOut(Out):
    code: str = Field(description="srm, underpowered, early_look or multiple_variants.")
    message: str = Field(description="The warning in the request's language.")


class TrustReasonOut(Out):
    """One reason not to trust a result, with the numbers it states."""

    code: str = Field(
        description="srm, guardrail_breached, guardrail_untestable, early_look or underpowered."
    )
    message: str = Field(description="The reason in the request's language.")
    p_value: float | None = Field(None, description="srm: the chi-square p of the split.")
    metric: str | None = Field(None, description="Guardrails: the guardrail metric's name.")
    achieved: int | None = Field(
        None, description="early_look, underpowered: the smallest arm's sample."
    )
    planned: int | None = Field(
        None, description="early_look, underpowered: the planned sample per variant."
    )


class TrustOut(Out):
    """Whether the verdict may be trusted. When it may not, `headline` starts with the warning
    ("Do not trust this result: …") and the numbers' verdict follows ("As measured: …")."""

    trusted: bool
    reasons: list[TrustReasonOut]


class AnalysisOut(Out):
    id: int | None = Field(None, description="The stored analysis (null for /stats/analyze).")
    verdict: str = Field(
        description="The whole verdict (every variant) in the request's language "
        "(Accept-Language), as the numbers read; each comparison's verdict_code and "
        "verdict_data are the same in every language. Show `headline` to people."
    )
    headline: str = Field(
        description="What every screen shows: the verdict, or, when `trust.trusted` is false, "
        'the warning first ("Do not trust this result: …") and then "As measured: " and '
        "the verdict."
    )
    trust: TrustOut = Field(
        description="Reasons not to trust the result: sample-ratio mismatch, a breached or "
        "untestable guardrail, an early look, a finish below the planned sample."
    )
    method: str | None
    metric_kind: str | None
    metric: str | None
    alpha: float | None
    correction: str | None
    comparisons: list[ComparisonOut]
    srm: SrmOut | None
    warnings: list[WarningOut]
    early_look: bool | None
    final: bool | None
    engine_version: str
    computed_at: datetime | None
    early_look_method: str | None = Field(
        None,
        description="How early looks were judged (null for analyses of engines before 2.0.0, "
        "which used the always-valid result).",
    )
    looks: list[int] | None = Field(
        None, description="Per-arm sizes at the earlier recorded looks the analysis used."
    )
    details: dict[str, Any] = Field(
        description="The engine's complete output: numbers and codes (every comparison with "
        "its verdict_code and verdict_data, every warning with its data), no prose."
    )


class AnalysisList(Out):
    items: list[AnalysisOut]


class AnalyzeIn(In):
    """Analyse numbers without a stored test (nothing is saved)."""

    model_config = example(
        {
            "metric_kind": "conversion",
            "variants": [
                {"name": "A", "visitors": 5000, "conversions": 250},
                {"name": "B", "visitors": 5000, "conversions": 300},
            ],
        }
    )

    metric_kind: str = doc(None, ..., enum=KINDS)
    variants: list[Row] = doc("Control first.", ..., minItems=2, maxItems=MAX_VARIANTS)
    alpha: float = doc(None, 0.05, exclusiveMinimum=0, maximum=0.5)
    planned_split: list[float] | None = doc(
        "Planned traffic shares (for the SRM check); default equal.", None
    )
    planned_per_variant: Annotated[int, Field(le=MAX_COUNT)] | None = doc(
        "Planned sample per variant; below it, results are an early look.", None, minimum=1
    )
    correction: str = doc("Multiple-comparison correction.", "holm", enum=["holm", "bh"])
    metric: str | None = doc(None, None, maxLength=MAX_METRIC)
    final: bool = doc("Final numbers (no early-look view even below planned_per_variant).", False)
    early_look_method: str | None = doc(
        "How results below planned_per_variant are judged: obrien-fleming or pocock "
        "(group-sequential, with the earlier looks in `looks`), or always-valid (for looks "
        "that are not recorded). Default: the team's setting.",
        None,
        enum=EARLY_LOOK_METHODS,
    )
    looks: list[LookSize] | None = doc(
        "Per-arm sample sizes (smallest arm) at this test's earlier looks, in any order. A "
        "size equal to the current smallest arm is the same look and is ignored; a larger one "
        "is refused (422), and group-sequential looks need planned_per_variant.",
        None,
        maxItems=MAX_LOOKS - 1,
    )


class SampleSizeIn(In):
    """Plan a test: sample size per variant and, with daily traffic, its duration."""

    model_config = example(
        {
            "metric_kind": "conversion",
            "baseline": 0.05,
            "mde": 0.2,
            "variants": 2,
            "daily_visitors": 1000,
        },
        **CONTINUOUS_NEEDS_SD,
    )

    metric_kind: str = doc(None, ..., enum=KINDS)
    baseline: float
    baseline_sd: float | None = doc(None, None, exclusiveMinimum=0)
    mde: float = doc(None, ..., exclusiveMinimum=0)
    mde_relative: bool = True
    alpha: float = doc(None, 0.05, exclusiveMinimum=0, maximum=0.5)
    power: float = doc(None, 0.8, exclusiveMinimum=0, exclusiveMaximum=1)
    variants: int = doc("Number of arms, control included.", 2, minimum=2, maximum=MAX_VARIANTS)
    daily_visitors: int | None = doc(None, None, minimum=1, maximum=MAX_DAILY)


class SampleSizeOut(Out):
    per_variant: int
    total: int
    duration_days: int | None
