"""Frozen result dataclasses; every one serializes to plain JSON types with ``to_dict()``."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


def to_jsonable(value: Any) -> Any:
    """Convert dataclasses, tuples and numbers to JSON types; refuse NaN and infinity."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(item) for item in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float) or hasattr(value, "__float__"):
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"refusing to serialize a non-finite number: {number!r}")
        return number
    raise TypeError(f"cannot serialize {type(value).__name__}")


class Serializable:
    """Mixin giving frozen dataclasses a JSON-ready ``to_dict()``."""

    def to_dict(self) -> dict[str, Any]:
        """Return the result as a dict of JSON types (tuples become lists)."""
        result = to_jsonable(self)
        assert isinstance(result, dict)
        return result


def pair(value: Any) -> tuple[float, float] | None:
    """Return a 2-item list or tuple as a float tuple (None stays None); used by from_dict."""
    if value is None:
        return None
    low, high = value
    return (float(low), float(high))


def _without(data: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key not in keys}


@dataclass(frozen=True)
class ComparisonResult(Serializable):
    """Variant-vs-control comparison: two-sided p-value, lifts and (1 − α) intervals."""

    method: str
    p_value: float
    abs_diff: float
    abs_ci: tuple[float, float]
    rel_lift: float | None
    rel_ci: tuple[float, float] | None
    significant: bool
    alpha: float
    control_value: float
    variant_value: float
    statistic: float | None = None
    dof: float | None = None
    interval_agrees: bool = True  # False only in the Fisher region, when the score interval
    # and Fisher's p disagree about zero: a verdict then leaves the interval out


@dataclass(frozen=True)
class SequentialResult(Serializable):
    """Always-valid comparison at an early look: confidence sequence and matching p-value."""

    method: str
    p_value: float
    abs_diff: float
    abs_ci: tuple[float, float]
    rel_lift: float | None
    rel_ci: tuple[float, float] | None
    significant: bool
    alpha: float
    observed_total: int
    planned_total: int
    adjusted_p_value: float | None = None
    # group-sequential looks only: the bound on |z| at this look, the look's information
    # fraction (observed ÷ planned), its number (1-based) and the cumulative alpha spent
    z_bound: float | None = None
    information_fraction: float | None = None
    look: int | None = None
    alpha_spent: float | None = None


@dataclass(frozen=True)
class SRMResult(Serializable):
    """Chi-square goodness of fit of observed arm sizes against the planned split."""

    p_value: float
    mismatch: bool
    statistic: float
    observed: tuple[int, ...]
    expected: tuple[float, ...]


@dataclass(frozen=True)
class ProbabilityResult(Serializable):
    """Bayesian view of a conversion test under uniform Beta(1, 1) priors."""

    probability: float
    expected_loss: float
    method: str = "exact-quadrature"


@dataclass(frozen=True)
class ArmSummary(Serializable):
    """One arm's inputs: size, rate or mean, and conversions or standard deviation."""

    name: str
    n: int
    value: float
    conversions: int | None = None
    sd: float | None = None


@dataclass(frozen=True)
class Comparison(Serializable):
    """One variant against the control, with corrected p-value and Bayesian/sequential views."""

    variant: str
    control: str
    method: str
    control_value: float
    variant_value: float
    p_value: float
    adjusted_p_value: float
    abs_diff: float
    abs_ci: tuple[float, float]
    rel_lift: float | None
    rel_ci: tuple[float, float] | None
    significant: bool
    dof: float | None
    prob_beat_control: float | None
    expected_loss: float | None
    sequential: SequentialResult | None
    # the verdict, language-free: a code ([early_]significant_up / _down,
    # [early_]not_significant) and the numbers it states (see stats.verdict.verdict_data);
    # absent in stored analyses made before engine 2.0.0
    verdict_code: str = ""
    verdict_data: dict[str, Any] | None = None
    interval_agrees: bool = True


@dataclass(frozen=True)
class AnalysisWarning(Serializable):
    """A warning shown next to the verdict: a stable code and the numbers it states
    (srm: p_value, observed, planned_percent; early_look: achieved, planned, fraction and,
    for a group-sequential look, look, spending, z_bound; underpowered: achieved, planned;
    multiple_variants: count, correction). Texts are the app's, in the reader's language."""

    code: str
    data: dict[str, Any] | None = None


@dataclass(frozen=True)
class AnalysisResult(Serializable):
    """The stored, reproducible analysis of one result set."""

    engine_version: str
    metric_kind: str
    metric_name: str
    method: str
    correction: str
    alpha: float
    arms: tuple[ArmSummary, ...]
    comparisons: tuple[Comparison, ...]
    srm: SRMResult
    planned_split: tuple[float, ...]
    planned_per_variant: int | None
    final: bool
    early_look: bool
    warnings: tuple[AnalysisWarning, ...]
    # issue 13: the secondary metrics (comparisons with raw and BH-adjusted p-values) and the
    # guardrails (status, tolerance, estimate, p_value per metric), as JSON-ready dicts; left
    # out of to_dict() when the test has none, so older outputs read back unchanged
    secondary: tuple[dict[str, Any], ...] = ()
    guardrails: tuple[dict[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return the result as JSON types, without empty secondary/guardrails keys."""
        result = super().to_dict()
        for key in ("secondary", "guardrails"):
            if not result[key]:
                del result[key]
        return result

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AnalysisResult:
        """Rebuild a result from ``to_dict()`` output (for example, read back from JSON).

        Outputs stored by engines before the verdicts became language-free also hold English
        texts (a ``verdict`` sentence per comparison and for the whole, a ``message`` per
        warning): they are dropped, the codes and numbers are what a result is."""

        def sequential(item: Mapping[str, Any] | None) -> SequentialResult | None:
            if item is None:
                return None
            return SequentialResult(
                **{**item, "abs_ci": pair(item["abs_ci"]), "rel_ci": pair(item["rel_ci"])}
            )

        comparisons = tuple(
            Comparison(
                **{
                    **item,
                    "abs_ci": pair(item["abs_ci"]),
                    "rel_ci": pair(item["rel_ci"]),
                    "sequential": sequential(item["sequential"]),
                }
            )
            for item in (_without(c, "verdict") for c in data["comparisons"])
        )
        srm = data["srm"]
        return cls(
            **{
                **_without(data, "verdict"),
                "arms": tuple(ArmSummary(**arm) for arm in data["arms"]),
                "comparisons": comparisons,
                "srm": SRMResult(
                    **{
                        **srm,
                        "observed": tuple(srm["observed"]),
                        "expected": tuple(srm["expected"]),
                    }
                ),
                "planned_split": tuple(data["planned_split"]),
                "secondary": tuple(data.get("secondary") or ()),
                "guardrails": tuple(data.get("guardrails") or ()),
                "warnings": tuple(
                    AnalysisWarning(w["code"], w.get("data")) for w in data["warnings"]
                ),
            }
        )
