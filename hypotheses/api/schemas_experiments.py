"""Request and response shapes of the test (experiment) operations; the analyses' shapes and
the calculators' are in schemas_analysis."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import Discriminator, Field, Tag

from hypotheses.api.schemas import Id, In, Out, Query, doc, example
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
from hypotheses.enums import Decision, MetricKind, Outcome

KINDS = [k.value for k in MetricKind]


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

    model_config = example(
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
        },
        **CONTINUOUS_NEEDS_SD,
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
    model_config = example({"reason": "Tracking broke on the B variant."})

    reason: str = doc("Why the test is stopped.", ..., minLength=1, maxLength=1000)


class FinishIn(In):
    model_config = example({"reason": "The campaign ended; traffic stopped."})

    reason: str | None = doc(
        "Needed when the latest results are below the planned sample (422 on `reason` "
        "otherwise): why the test ends early. Sending it confirms the early finish.",
        None,
        maxLength=1000,
    )


class Decided(In):
    """What a decision records first: the decision and the outcome (fields of its subclasses)."""

    decision: str = doc(None, ..., enum=[d.value for d in Decision])
    outcome: str = doc(None, ..., enum=[o.value for o in Outcome])


class CorrectionIn(Decided):
    model_config = example(
        {"decision": "ship", "outcome": "won", "reason": "Recorded as lost by mistake; B won."}
    )

    reason: str = doc("Why the decision is corrected.", ..., minLength=1, maxLength=1000)
    learning: str | None = doc("A new one-line learning (optional).", None, maxLength=200)


class TestDecisionIn(Decided):
    model_config = example(
        {"decision": "ship", "outcome": "won", "learning": "Fewer fields, more leads."}
    )

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

    model_config = example(
        {
            "final": False,
            "variants": [
                {"name": "Control", "visitors": 5000, "conversions": 250},
                {"name": "B", "visitors": 5000, "conversions": 300},
            ],
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
