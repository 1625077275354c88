"""Request and response shapes of the test (experiment) and statistics operations."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import ConfigDict, Discriminator, Field, Tag

from hypotheses.api.schemas import Id, In, Out, Query, doc
from hypotheses.api.schemas_metrics import (
    GUARDRAILS_FIELD,
    METRICS_FIELD,
    MONEY_FLAG_FIELD,
    SECONDARY_FIELD,
    TRAFFIC_FIELD,
    VALUE_FIELD,
    Cell,
    GuardrailIn,
    MetricOut,
    SecondaryMetricIn,
)
from hypotheses.domain.experiments.design import MAX_DAILY, MAX_METRIC, MAX_NAME, MAX_VARIANTS
from hypotheses.domain.experiments.results import MAX_COUNT
from hypotheses.enums import Decision, EarlyLookMethod, MetricKind, Outcome
from stats.group_sequential import MAX_LOOKS

KINDS = [k.value for k in MetricKind]
EARLY_LOOK_METHODS = [m.value for m in EarlyLookMethod]
LookSize = Annotated[int, Field(ge=1, le=MAX_COUNT)]


class VariantIn(In):
    name: str = doc("Control first.", ..., minLength=1, maxLength=MAX_NAME)
    split: float | None = doc(
        "Planned traffic share: fractions summing to 1 (or percentages "
        "summing to 100); leave all out for an equal split.",
        None,
        exclusiveMinimum=0,
    )


# A continuous metric needs its standard deviation (written in the document as if/then).
CONTINUOUS_NEEDS_SD = {
    "if": {"properties": {"metric_kind": {"const": "continuous"}}, "required": ["metric_kind"]},
    "then": {"required": ["baseline_sd"], "properties": {"baseline_sd": {"type": "number"}}},
}


class DesignIn(In):
    """A test design. `baseline` is a rate (0–1) for conversions, the mean for continuous
    metrics (with `baseline_sd`); `mde` is relative (0.2 = +20%) unless mde_relative is
    false."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "metric": "Lead rate",
                    "metric_kind": "conversion",
                    "baseline": 0.05,
                    "mde": 0.2,
                    "mde_relative": True,
                    "alpha": 0.05,
                    "power": 0.8,
                    "daily_visitors": 1000,
                    "variants": [{"name": "Control", "split": 0.5}, {"name": "B", "split": 0.5}],
                }
            ],
            **CONTINUOUS_NEEDS_SD,
        }
    )

    metric: str = doc("The primary metric.", ..., minLength=1, maxLength=MAX_METRIC)
    metric_kind: str = doc(None, ..., enum=KINDS)
    baseline: float
    baseline_sd: float | None = doc(
        "Standard deviation (continuous metrics).", None, exclusiveMinimum=0
    )
    mde: float = doc("Minimum detectable effect.", ..., exclusiveMinimum=0)
    mde_relative: bool = True
    alpha: float = doc(None, 0.05, exclusiveMinimum=0, maximum=0.5)
    power: float = doc(None, 0.8, exclusiveMinimum=0, exclusiveMaximum=1)
    daily_visitors: int = doc(
        "Visitors entering the test per day.", ..., minimum=1, maximum=MAX_DAILY
    )
    variants: list[VariantIn] = doc(None, ..., minItems=2, maxItems=MAX_VARIANTS)
    version: Id | None = doc(
        "The version you read (optional): a stale one gets 409.", None, minimum=1
    )
    # issue 13: secondary metrics, guardrails, the money behind the primary metric
    secondary: list[SecondaryMetricIn] | None = SECONDARY_FIELD
    guardrails: list[GuardrailIn] | None = GUARDRAILS_FIELD
    value_per_conversion: float | None = VALUE_FIELD
    metric_is_money: bool | None = MONEY_FLAG_FIELD
    monthly_traffic: int | None = TRAFFIC_FIELD


class ReasonIn(In):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "Tracking broke on the B variant."}]}
    )

    reason: str = doc("Why the test is stopped.", ..., minLength=1, maxLength=1000)


class FinishIn(In):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "The campaign ended; traffic stopped."}]}
    )

    reason: str | None = doc(
        "Needed when the latest results are below the planned sample (422 on `reason` "
        "otherwise): why the test ends early. Sending it confirms the early finish.",
        None,
        maxLength=1000,
    )


class CorrectionIn(In):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "decision": "ship",
                    "outcome": "won",
                    "reason": "Recorded as lost by mistake; B won.",
                }
            ]
        }
    )

    decision: str = doc(None, ..., enum=[d.value for d in Decision])
    outcome: str = doc(None, ..., enum=[o.value for o in Outcome])
    reason: str = doc("Why the decision is corrected.", ..., minLength=1, maxLength=1000)
    learning: str | None = doc("A new one-line learning (optional).", None, maxLength=200)


class TestDecisionIn(In):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"decision": "ship", "outcome": "won", "learning": "Fewer fields, more leads."}
            ]
        }
    )

    decision: str = doc(None, ..., enum=[d.value for d in Decision])
    outcome: str = doc(None, ..., enum=[o.value for o in Outcome])
    learning: str = doc("One line.", ..., minLength=1, maxLength=200)
    follow_up_title: str | None = doc(
        "Creates a follow-up hypothesis linked to this one.", None, maxLength=200
    )
    reason: str | None = doc(
        "Needed when the decision goes against the analysis (shipping a significant loser or "
        "an untrusted result, killing a significant winner, an outcome the analysis does not "
        "show): 422 on `reason` without it.",
        None,
        maxLength=1000,
    )


class ConversionRow(In):
    name: str
    visitors: int = doc(None, ..., minimum=1, maximum=MAX_COUNT)
    conversions: int = doc("At most visitors.", ..., minimum=0, maximum=MAX_COUNT)
    metrics: dict[str, Cell] | None = METRICS_FIELD


class MeanRow(In):
    name: str
    n: int = doc(None, ..., minimum=2, maximum=MAX_COUNT)
    mean: float
    sd: float = doc(None, ..., minimum=0)
    metrics: dict[str, Cell] | None = METRICS_FIELD


def _row_kind(row: Any) -> str:
    """Which row shape a variant's numbers have: conversions or means."""
    if isinstance(row, dict):
        return "conversion" if {"visitors", "conversions"} & row.keys() else "mean"
    return "conversion" if isinstance(row, ConversionRow) else "mean"


Row = Annotated[
    Annotated[ConversionRow, Tag("conversion")] | Annotated[MeanRow, Tag("mean")],
    Discriminator(_row_kind),
]


class ResultsIn(In):
    """Aggregated numbers per variant, every variant once, by name."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "final": False,
                    "variants": [
                        {"name": "Control", "visitors": 5000, "conversions": 250},
                        {"name": "B", "visitors": 5000, "conversions": 300},
                    ],
                }
            ]
        }
    )

    final: bool = doc(
        "Final numbers finish the test (a lead's action; 403 otherwise); otherwise an early look.",
        False,
    )
    variants: list[Row] = doc(None, ..., minItems=2, maxItems=MAX_VARIANTS)
    reason: str | None = doc(
        "Final numbers below the planned sample: why the test ends early (422 on `final` "
        "without it). Recorded on the test as its finish reason.",
        None,
        maxLength=1000,
    )


class ResultsCsvQuery(Query):
    kind: str | None = doc(
        "per-user (one row per user, default) or aggregated (one row per variant).",
        None,
        enum=["per-user", "aggregated"],
    )
    variant_column: str | None = doc(
        "Per-user files: the variant column (default: variant).", None, maxLength=100
    )
    conversion_column: str | None = doc(
        "Conversion metrics: the 0/1 column (default: converted).", None, maxLength=100
    )
    value_column: str | None = doc(
        "Continuous metrics: the value column (default: value).", None, maxLength=100
    )
    final: bool | None = doc("Final numbers finish the test (a lead's action).", None)
    reason: str | None = doc(
        "Final numbers below the planned sample: why the test ends early (422 on `final` "
        "without it).",
        None,
        maxLength=1000,
    )


class VariantOut(Out):
    name: str
    split: float


class ExperimentOut(Out):
    id: int
    hypothesis_id: int
    status: str
    version: int
    metric: str
    metric_kind: str
    baseline: float | None
    baseline_sd: float | None
    mde: float | None
    mde_relative: bool
    alpha: float
    power: float
    daily_visitors: int | None
    per_variant: int | None = Field(description="Planned sample size per variant.")
    duration_days: int | None = Field(description="Planned duration at the daily traffic.")
    days_left: int | None = Field(
        None,
        description="Running tests: calendar days (UTC) from today to the planned end (start "
        "date + duration_days); 0 on the last day, negative when overdue. The same number "
        "every page shows.",
    )
    progress_percent: int | None = Field(
        None,
        description="Running tests: the smallest arm of the latest results over the planned "
        "sample per variant, in whole percent (floored, not capped).",
    )
    variants: list[VariantOut]
    started_at: datetime | None
    ended_at: datetime | None
    stop_reason: str | None
    decision: str | None
    outcome: str | None
    learning: str | None
    decided_at: datetime | None
    follow_up_id: int | None = None
    finish_reason: str | None = Field(
        None, description="Why the test was finished below its planned sample."
    )
    decision_reason: str | None = Field(
        None, description="Why the decision goes against the analysis."
    )
    corrected_at: datetime | None = Field(None, description="When a lead corrected the decision.")
    correction_reason: str | None = Field(None, description="Why the decision was corrected.")
    metrics: list[MetricOut] = Field(
        default_factory=list, description="The secondary metrics, then the guardrails."
    )
    value_per_conversion: float | None = None
    metric_is_money: bool = False
    monthly_traffic: int | None = None
    currency: str = Field("RUB", description="The team's currency (ISO 4217).")


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

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "metric_kind": "conversion",
                    "variants": [
                        {"name": "A", "visitors": 5000, "conversions": 250},
                        {"name": "B", "visitors": 5000, "conversions": 300},
                    ],
                }
            ]
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

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "metric_kind": "conversion",
                    "baseline": 0.05,
                    "mde": 0.2,
                    "variants": 2,
                    "daily_visitors": 1000,
                }
            ],
            **CONTINUOUS_NEEDS_SD,
        }
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
