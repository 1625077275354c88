"""Request and response shapes of a test's secondary metrics, guardrails and money (issue 13)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Discriminator, Field, Tag

from hypotheses.api.schemas import In, Out, doc
from hypotheses.domain.experiments.design import MAX_METRIC
from hypotheses.domain.experiments.metrics import (
    DIRECTIONS,
    MAX_COUNT,
    MAX_GUARDRAILS,
    MAX_MONEY,
    MAX_SECONDARY,
    MAX_TRAFFIC,
)
from hypotheses.enums import MetricKind

KINDS = [k.value for k in MetricKind]


class SecondaryMetricIn(In):
    name: str = doc(
        "Different from the primary metric and the others.", ..., minLength=1, maxLength=MAX_METRIC
    )
    kind: str = doc(None, "conversion", enum=KINDS)
    baseline: float | None = doc(
        "Optional: a rate (0–1) for a conversion metric, the mean for a continuous one; with "
        "it the plan says whether the sample is enough for this metric.",
        None,
    )
    baseline_sd: float | None = doc(
        "Optional: the standard deviation of a continuous metric.", None, exclusiveMinimum=0
    )


class GuardrailIn(In):
    name: str = doc(
        "Different from the primary metric and the others.", ..., minLength=1, maxLength=MAX_METRIC
    )
    kind: str = doc(None, "conversion", enum=KINDS)
    direction: str = doc(
        "increase: higher is better (must not fall); decrease: lower is better (must not rise).",
        "increase",
        enum=list(DIRECTIONS),
    )
    tolerance: float = doc(
        "The tolerated loss as a share of the control's value (0.02 = 2%).",
        ...,
        minimum=0,
        exclusiveMaximum=1,
    )


SECONDARY_FIELD = doc(
    "Up to 5 secondary metrics (exploratory, Benjamini–Hochberg adjusted). Left out: the "
    "stored ones stay; an empty list removes them. Locked once the test starts.",
    None,
    maxItems=MAX_SECONDARY,
)
GUARDRAILS_FIELD = doc(
    "Up to 3 guardrails, each tested one-sided at the test's α against its tolerated loss. "
    "Left out: the stored ones stay; an empty list removes them. Locked once the test starts.",
    None,
    maxItems=MAX_GUARDRAILS,
)
VALUE_FIELD = doc(
    "Money per conversion of the primary metric (conversion metrics); null: none. Left out: "
    "the stored value stays.",
    None,
    exclusiveMinimum=0,
    maximum=MAX_MONEY,
)
MONEY_FLAG_FIELD = doc(
    "The primary (continuous) metric is money per visitor, such as revenue per visitor.", None
)
TRAFFIC_FIELD = doc(
    "Visitors a month after launch, for the projected monthly impact.",
    None,
    minimum=1,
    maximum=MAX_TRAFFIC,
)
EXTRA_FIELDS = (
    "secondary",
    "guardrails",
    "value_per_conversion",
    "metric_is_money",
    "monthly_traffic",
)


class ConversionCell(In):
    conversions: int = doc("At most the arm's visitors (or n).", ..., minimum=0, maximum=MAX_COUNT)


class MeanCell(In):
    mean: float
    sd: float = doc(None, ..., minimum=0)


def _cell_kind(cell: Any) -> str:
    if isinstance(cell, dict):
        return "conversion" if "conversions" in cell else "mean"
    return "conversion" if isinstance(cell, ConversionCell) else "mean"


Cell = Annotated[
    Annotated[ConversionCell, Tag("conversion")] | Annotated[MeanCell, Tag("mean")],
    Discriminator(_cell_kind),
]
METRICS_FIELD = doc(
    "The test's secondary metrics and guardrails for this variant, by name: conversions for "
    "a conversion metric, mean and sd for a continuous one (measured on the same visitors). "
    "Left out: the metric is not in these results (a guardrail is then untestable).",
    None,
)


class MetricOut(Out):
    role: str = Field(description="secondary or guardrail.")
    name: str
    kind: str
    baseline: float | None
    baseline_sd: float | None
    direction: str
    tolerance: float | None


class GuardrailResultOut(Out):
    metric: str
    status: str = Field(description="ok, breached or untestable.")
    tolerance: float | None
    estimate: float | None = Field(description="The relative change (B − A) / A.")
    p_value: float | None = Field(description="One-sided non-inferiority p-value.")


class ImpactOut(Out):
    variant: str
    per_month: float = Field(description="Projected money a month, in the team's currency.")
    low: float
    high: float
    level: float = Field(description="The interval's confidence level (1 − α).")
    currency: str
