"""One call for a whole test: every variant against the control, corrections, SRM,
the Bayesian view, early-look and power warnings, and a verdict as a code and numbers
(never prose: the app words it in the reader's language)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from stats import messages as msg
from stats._version import ENGINE_VERSION
from stats.bayes import probability_to_beat_control
from stats.errors import StatsInputError
from stats.frequentist import adjust_pvalues, compare_conversions, compare_means, srm_check
from stats.group_sequential import (
    SPENDING,
    group_sequential_compare_conversions,
    group_sequential_compare_means,
)
from stats.guardrails import analyze_metrics
from stats.inputs import check_alpha, conversion_arm, mean_arm, to_count
from stats.results import (
    AnalysisResult,
    AnalysisWarning,
    ArmSummary,
    Comparison,
    ComparisonResult,
    SequentialResult,
    SRMResult,
)
from stats.sequential import sequential_compare_conversions, sequential_compare_means
from stats.verdict import VerdictInputs, verdict_code, verdict_data

METRIC_KINDS = ("conversion", "continuous")
CORRECTIONS = ("holm", "bh")
MIN_ARMS, MAX_ARMS = 2, 6
DEFAULT_METRIC_NAMES = {"conversion": "conversion rate", "continuous": "mean value"}
EARLY_LOOK_METHODS = (*SPENDING, "always-valid")


def _choice(value: Any, name: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise StatsInputError(msg.UNKNOWN_METHOD.format(name=name, allowed=allowed, value=value))
    return str(value)


def _arms(metric_kind: str, variants: Any) -> list[tuple[str, Any]]:
    if isinstance(variants, (str, bytes)) or not isinstance(variants, Sequence):
        raise StatsInputError(msg.ANALYSIS_ITEM.format(value=variants))
    if not MIN_ARMS <= len(variants) <= MAX_ARMS:
        raise StatsInputError(
            msg.ANALYSIS_ARMS.format(minimum=MIN_ARMS, maximum=MAX_ARMS, count=len(variants))
        )
    arms: list[tuple[str, Any]] = []
    for item in variants:
        if isinstance(item, (str, bytes)) or not isinstance(item, Sequence) or len(item) != 2:
            raise StatsInputError(msg.ANALYSIS_ITEM.format(value=item))
        name, numbers = item
        if not isinstance(name, str) or not name.strip() or name in (n for n, _ in arms):
            raise StatsInputError(msg.ANALYSIS_NAME.format(value=name))
        label = f"arm {name!r}"
        checked = (
            conversion_arm(numbers, label)
            if metric_kind == "conversion"
            else mean_arm(numbers, label)
        )
        arms.append((name, checked))
    return arms


def _arm_summary(metric_kind: str, name: str, arm: Any) -> ArmSummary:
    if metric_kind == "conversion":
        return ArmSummary(name, arm.visitors, arm.conversions / arm.visitors, arm.conversions)
    return ArmSummary(name, arm.n, arm.mean, sd=arm.sd)


def _adjust(p_values: list[float], correction: str) -> list[float]:
    return list(p_values) if correction == "none" else adjust_pvalues(p_values, correction)


def _earlier_looks(looks: Any, current: int) -> list[int]:
    """Validate earlier looks (per-arm sizes): the current size itself is dropped (the same
    look analysed again), larger ones are refused."""
    if looks is None:
        return []
    if isinstance(looks, (str, bytes)) or not isinstance(looks, Sequence):
        raise StatsInputError(msg.LOOKS_SHAPE.format(value=looks))
    sizes = sorted({to_count(n, f"looks[{i}]", minimum=1) for i, n in enumerate(looks)})
    for n in sizes:
        if n > current:
            raise StatsInputError(msg.LOOKS_AFTER_CURRENT.format(value=n, current=current))
    return [n for n in sizes if n < current]


def _adjusted(
    raw: list[SequentialResult], correction: str, alpha: float
) -> list[SequentialResult | None]:
    adjusted = _adjust([r.p_value for r in raw], correction)
    return [
        dataclasses.replace(r, adjusted_p_value=p, significant=p < alpha)
        for r, p in zip(raw, adjusted, strict=True)
    ]


def analyze(
    *,
    metric_kind: str,
    variants: Sequence[tuple[str, Any]],
    planned_split: Sequence[float] | None = None,
    planned_per_variant: int | None = None,
    alpha: float = 0.05,
    correction: str = "holm",
    metric_name: str | None = None,
    final: bool = False,
    looks: Sequence[int] | None = None,
    early_look_method: str = "always-valid",
    metrics: Sequence[Any] | None = None,
) -> AnalysisResult:
    """Analyse a whole test: each variant vs the first arm (control), two-sided at 1 − α,
    Holm (or BH) adjusted when several variants, SRM check, Bayesian view for conversions,
    and a sequential result for early looks.

    early_look_method: "always-valid" (default; the confidence sequence, valid without a
    record of looks) or "obrien-fleming" / "pocock" (group-sequential with Lan-DeMets
    spending; needs planned_per_variant). looks: the per-arm sample sizes (smallest arm)
    at the earlier recorded looks of this test; the current data is the latest look. With
    a group-sequential method, every look after an earlier one is judged against its bound
    (at or past the plan, or final, the look spends all the alpha that is left).

    metrics: the test's secondary metrics and guardrails measured on the same arms (see
    stats.guardrails.analyze_metrics); their results go to ``secondary`` and ``guardrails``."""
    metric_kind = _choice(metric_kind, "metric_kind", METRIC_KINDS)
    correction = _choice(correction, "correction", CORRECTIONS)
    alpha = check_alpha(alpha)
    if not isinstance(final, bool):
        raise StatsInputError(
            msg.UNKNOWN_METHOD.format(name="final", allowed=(True, False), value=final)
        )
    if metric_name is None:
        metric_name = DEFAULT_METRIC_NAMES[metric_kind]
    if not isinstance(metric_name, str) or not metric_name.strip():
        raise StatsInputError(msg.METRIC_NAME.format(value=metric_name))
    early_look_method = _choice(early_look_method, "early_look_method", EARLY_LOOK_METHODS)
    arms = _arms(metric_kind, variants)
    if planned_per_variant is not None:
        planned_per_variant = to_count(planned_per_variant, "planned_per_variant", minimum=1)
    split = [1.0] * len(arms) if planned_split is None else planned_split
    if isinstance(split, (str, bytes)) or not isinstance(split, Sequence):
        raise StatsInputError(
            msg.ARM_SHAPE.format(name="planned_split", shape="a list of weights", value=split)
        )
    if len(split) != len(arms):
        raise StatsInputError(msg.PLANNED_SPLIT_LENGTH.format(planned=len(split), arms=len(arms)))
    summaries = [_arm_summary(metric_kind, name, arm) for name, arm in arms]
    srm = srm_check(observed=[s.n for s in summaries], planned_split=list(split))

    control_name, control = arms[0]
    compare = compare_conversions if metric_kind == "conversion" else compare_means
    fixed: list[ComparisonResult] = [
        compare(control=control, variant=arm, alpha=alpha) for _, arm in arms[1:]
    ]
    if len(fixed) == 1:
        correction = "none"
    adjusted = _adjust([r.p_value for r in fixed], correction)

    smallest = min(s.n for s in summaries)
    below_plan = planned_per_variant is not None and smallest < planned_per_variant
    early_look = below_plan and not final
    earlier = _earlier_looks(looks, smallest)
    group_sequential = early_look_method in SPENDING
    if group_sequential and earlier and planned_per_variant is None:
        raise StatsInputError(msg.LOOKS_NEED_PLAN)
    sequential: list[SequentialResult | None] = [None] * len(fixed)
    if planned_per_variant is not None and group_sequential and (early_look or earlier):
        fractions = [n / planned_per_variant for n in (*earlier, smallest)]
        gst_compare = (
            group_sequential_compare_conversions
            if metric_kind == "conversion"
            else group_sequential_compare_means
        )
        raw = [
            gst_compare(
                control=control,
                variant=arm,
                information_fractions=fractions,
                alpha=alpha,
                spending=early_look_method,
                final=final,
            )
            for _, arm in arms[1:]
        ]
        sequential = _adjusted(raw, correction, alpha)
    elif early_look and planned_per_variant is not None:
        sequential_compare = (
            sequential_compare_conversions
            if metric_kind == "conversion"
            else sequential_compare_means
        )
        raw = [
            sequential_compare(
                control=control, variant=arm, alpha=alpha, planned_per_variant=planned_per_variant
            )
            for _, arm in arms[1:]
        ]
        sequential = _adjusted(raw, correction, alpha)

    comparisons = [
        _comparison(
            metric_kind,
            metric_name,
            control_name,
            control,
            name,
            arm,
            result,
            adj_p,
            seq,
            correction,
            alpha,
            smallest,
            planned_per_variant,
            final,
        )
        for (name, arm), result, adj_p, seq in zip(
            arms[1:], fixed, adjusted, sequential, strict=True
        )
    ]
    warnings = _warnings(
        srm,
        summaries,
        split,
        planned_per_variant,
        smallest,
        early_look,
        below_plan and final,
        len(fixed),
        correction,
        sequential[0],
    )
    secondary, guardrails = ([], [])
    if metrics:
        secondary, guardrails = analyze_metrics(
            metrics=metrics,
            names=[s.name for s in summaries],
            sizes=[s.n for s in summaries],
            alpha=alpha,
        )
    return AnalysisResult(
        engine_version=ENGINE_VERSION,
        metric_kind=metric_kind,
        metric_name=metric_name,
        method="+".join(sorted({r.method for r in fixed})),
        correction=correction,
        alpha=alpha,
        arms=tuple(summaries),
        comparisons=tuple(comparisons),
        srm=srm,
        planned_split=tuple(float(w) for w in split),
        planned_per_variant=planned_per_variant,
        final=final,
        early_look=early_look,
        warnings=tuple(warnings),
        secondary=tuple(secondary),
        guardrails=tuple(guardrails),
    )


def _comparison(
    metric_kind: str,
    metric_name: str,
    control_name: str,
    control: Any,
    name: str,
    arm: Any,
    result: ComparisonResult,
    adjusted_p: float,
    seq: SequentialResult | None,
    correction: str,
    alpha: float,
    smallest: int,
    planned: int | None,
    final: bool,
) -> Comparison:
    """Combine one variant's fixed, Bayesian and sequential results with its verdict."""
    bayes = (
        probability_to_beat_control(control=control, variant=arm)
        if metric_kind == "conversion"
        else None
    )
    values = (name, metric_name, metric_kind, result.control_value, result.variant_value)
    early = planned is not None and smallest < planned and seq is not None
    if seq is not None and seq.adjusted_p_value is not None and planned is not None:
        # a sequential look is read from the sequential result, never the fixed p-value
        kind = "group-sequential" if seq.z_bound is not None else "always-valid"
        inputs = VerdictInputs(
            *values,
            seq.abs_diff,
            seq.abs_ci,
            seq.rel_lift,
            seq.rel_ci,
            seq.adjusted_p_value,
            seq.significant,
            alpha,
        )
    else:
        kind = "fixed"
        inputs = VerdictInputs(
            *values,
            result.abs_diff,
            result.abs_ci,
            result.rel_lift,
            result.rel_ci,
            adjusted_p,
            adjusted_p < alpha,
            alpha,
            show_interval=result.interval_agrees,
        )
    data = verdict_data(inputs, kind if correction == "none" else f"{kind}-{correction}")
    return Comparison(
        variant=name,
        control=control_name,
        method=result.method,
        control_value=result.control_value,
        variant_value=result.variant_value,
        p_value=result.p_value,
        adjusted_p_value=adjusted_p,
        abs_diff=result.abs_diff,
        abs_ci=result.abs_ci,
        rel_lift=result.rel_lift,
        rel_ci=result.rel_ci,
        significant=adjusted_p < alpha,
        dof=result.dof,
        prob_beat_control=None if bayes is None else bayes.probability,
        expected_loss=None if bayes is None else bayes.expected_loss,
        sequential=seq,
        verdict_code=verdict_code(inputs, early and not final),
        verdict_data=data,
        interval_agrees=result.interval_agrees,
    )


def _warnings(
    srm: SRMResult,
    summaries: list[ArmSummary],
    split: Sequence[float],
    planned: int | None,
    smallest: int,
    early_look: bool,
    underpowered: bool,
    variant_count: int,
    correction: str,
    seq: SequentialResult | None,
) -> list[AnalysisWarning]:
    warnings = []
    if srm.mismatch:
        total = sum(float(w) for w in split)
        data: dict[str, Any] = {
            "p_value": srm.p_value,
            "observed": [s.n for s in summaries],
            "planned_percent": [100 * float(w) / total for w in split],
        }
        warnings.append(AnalysisWarning(msg.WARNING_SRM, data))
    if early_look and planned is not None:
        data = {"achieved": smallest, "planned": planned, "fraction": smallest / planned}
        if seq is not None and seq.z_bound is not None:
            data |= {
                "look": seq.look,
                "spending": seq.method.removeprefix("group-sequential-"),
                "z_bound": seq.z_bound,
            }
        warnings.append(AnalysisWarning(msg.WARNING_EARLY_LOOK, data))
    if underpowered and planned is not None:
        data = {"achieved": smallest, "planned": planned}
        warnings.append(AnalysisWarning(msg.WARNING_UNDERPOWERED, data))
    if variant_count > 1:
        data = {"count": variant_count, "correction": correction}
        warnings.append(AnalysisWarning(msg.WARNING_MULTIPLE_VARIANTS, data))
    return warnings
