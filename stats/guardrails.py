"""Guardrail metrics: one-sided non-inferiority tests against a tolerated relative loss, and
Benjamini–Hochberg for the secondary (exploratory) metrics.

The rule (docs/statistics.md): a guardrail says the variant may not make the metric worse
than the control by more than ``tolerance`` (a fraction of the control's value, 0.02 = 2%).
With the loss written in the bad direction, H0: loss ≥ tolerance × control, H1: loss <
tolerance × control, tested one-sided at α with an unpooled (Wald) standard error: a normal
z for conversions, Welch's t for continuous metrics. Status "ok" when p < α (the one-sided
1 − α bound of the loss stays inside the tolerance), "breached" otherwise (a loss beyond the
tolerance is not ruled out), "untestable" when the data cannot test it (the control's value
is 0, or both arms have no spread). Codes and numbers only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from stats import messages as msg
from stats._dist import normal_isf, normal_sf, t_isf, t_sf
from stats.errors import StatsInputError
from stats.frequentist import adjust_pvalues
from stats.inputs import check_alpha, conversion_arm, mean_arm, to_float
from stats.results import Serializable

DIRECTIONS = ("increase", "decrease")  # the good direction: higher is better, lower is better
STATUSES = ("ok", "breached", "untestable")
MAX_TOLERANCE = 1.0


@dataclass(frozen=True)
class NonInferiorityResult(Serializable):
    """A one-sided non-inferiority test of one variant against the control.

    estimate: the relative change (B − A) / A; bound: the one-sided 1 − α confidence bound of
    the relative change on the bad side (lower for "increase", upper for "decrease");
    p_value: one-sided, H0 "the loss is at least the tolerance"; None when untestable."""

    status: str
    direction: str
    tolerance: float
    alpha: float
    control_value: float
    variant_value: float
    estimate: float | None
    bound: float | None
    p_value: float | None
    statistic: float | None = None
    dof: float | None = None
    method: str = "wald"


def _check(direction: Any, tolerance: Any, alpha: Any) -> tuple[str, float, float]:
    if direction not in DIRECTIONS:
        raise StatsInputError(
            msg.UNKNOWN_METHOD.format(name="direction", allowed=DIRECTIONS, value=direction)
        )
    tol = to_float(tolerance, "tolerance")
    if not 0 <= tol <= MAX_TOLERANCE:
        raise StatsInputError(msg.PROBABILITY_RANGE.format(name="tolerance", value=tolerance))
    return str(direction), tol, check_alpha(alpha)


def _result(
    direction: str,
    tol: float,
    alpha: float,
    a: float,
    b: float,
    se: float,
    dof: float | None,
    method: str,
) -> NonInferiorityResult:
    base = {
        "direction": direction,
        "tolerance": tol,
        "alpha": alpha,
        "control_value": a,
        "variant_value": b,
        "dof": dof,
        "method": method,
    }
    if a == 0 or not se > 0 or not math.isfinite(se):
        estimate = None if a == 0 else b / a - 1
        return NonInferiorityResult(
            status="untestable", estimate=estimate, bound=None, p_value=None, **base
        )
    sign = 1.0 if direction == "increase" else -1.0
    # the margin sits tolerance × |control| on the bad side of the control's value
    statistic = sign * (b - a) / se + tol * abs(a) / se
    if dof is None:
        p_value, crit = normal_sf(statistic), normal_isf(alpha)
    else:
        p_value, crit = t_sf(statistic, dof), t_isf(alpha, dof)
    p_value = min(1.0, max(0.0, float(p_value)))
    bound = (b - a - sign * crit * se) / abs(a)
    return NonInferiorityResult(
        status="ok" if p_value < alpha else "breached",
        estimate=(b - a) / abs(a),
        bound=bound,
        p_value=p_value,
        statistic=statistic,
        **base,
    )


def noninferiority_conversions(
    *,
    control: Any,
    variant: Any,
    tolerance: Any,
    direction: str = "increase",
    alpha: float = 0.05,
) -> NonInferiorityResult:
    """Non-inferiority of a conversion rate: z = (±(p_B − p_A) + tol·p_A) / se with the
    unpooled se = √(p_A(1 − p_A)/n_A + p_B(1 − p_B)/n_B); p = P(Z > z)."""
    direction, tol, alpha = _check(direction, tolerance, alpha)
    a = conversion_arm(control, "control")
    b = conversion_arm(variant, "variant")
    pa, pb = a.conversions / a.visitors, b.conversions / b.visitors
    se = math.sqrt(pa * (1 - pa) / a.visitors + pb * (1 - pb) / b.visitors)
    return _result(direction, tol, alpha, pa, pb, se, None, "wald")


def noninferiority_means(
    *,
    control: Any,
    variant: Any,
    tolerance: Any,
    direction: str = "increase",
    alpha: float = 0.05,
) -> NonInferiorityResult:
    """Non-inferiority of a mean from (n, mean, sd): Welch's t = (±(m_B − m_A) + tol·|m_A|)
    / se, se = √(s_A²/n_A + s_B²/n_B), Welch–Satterthwaite degrees of freedom."""
    direction, tol, alpha = _check(direction, tolerance, alpha)
    a = mean_arm(control, "control")
    b = mean_arm(variant, "variant")
    va, vb = a.sd**2 / a.n, b.sd**2 / b.n
    se = math.sqrt(va + vb)
    dof = None
    if se > 0:
        dof = (va + vb) ** 2 / (va**2 / (a.n - 1) + vb**2 / (b.n - 1))
    return _result(direction, tol, alpha, a.mean, b.mean, se, dof, "welch")


def benjamini_hochberg(p_values: Sequence[Any]) -> list[float]:
    """Benjamini–Hochberg adjusted p-values (step-up, monotone, capped at 1), input order."""
    return adjust_pvalues(p_values, "bh")


def worst_status(statuses: Sequence[str]) -> str:
    """The status of a guardrail over several variants: breached, then untestable, then ok."""
    for status in ("breached", "untestable"):
        if status in statuses:
            return status
    return "ok"


ROLES = ("secondary", "guardrail")


def _metric_arms(kind: str, sizes: Sequence[int], numbers: Sequence[Any]) -> list[tuple]:
    """The per-arm inputs of a metric measured on the primary's arms: a conversion metric's
    (n, conversions), a continuous metric's (n, mean, sd)."""
    if isinstance(numbers, (str, bytes)) or not isinstance(numbers, Sequence):
        raise StatsInputError(msg.ARM_SHAPE.format(name="metric", shape="a list", value=numbers))
    if len(numbers) != len(sizes):
        raise StatsInputError(
            msg.PLANNED_SPLIT_LENGTH.format(planned=len(numbers), arms=len(sizes))
        )
    if kind == "conversion":
        return [(n, value) for n, value in zip(sizes, numbers, strict=True)]
    arms = []
    for n, value in zip(sizes, numbers, strict=True):
        if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or len(value) != 2:
            raise StatsInputError(
                msg.ARM_SHAPE.format(name="metric", shape="a (mean, sd) pair", value=value)
            )
        arms.append((n, value[0], value[1]))
    return arms


def analyze_metrics(
    *,
    metrics: Sequence[Any],
    names: Sequence[str],
    sizes: Sequence[int],
    alpha: float,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Analyse the secondary metrics and guardrails of a test on the primary's arms.

    metrics: [{name, role, kind, direction, tolerance, values}] where values holds one item per
    arm, control first: conversions (conversion) or [mean, sd] (continuous). Returns
    (secondary, guardrails) as JSON-ready dicts: each secondary metric's comparisons with raw
    and Benjamini–Hochberg adjusted p-values (across the secondary metrics, per variant);
    each guardrail's worst status over the variants and its numbers. A metric the numbers
    cannot be compared on is reported with status "untestable" (guardrail) or error code
    (secondary), never raised."""
    from stats.frequentist import compare_conversions, compare_means

    secondary: list[dict[str, Any]] = []
    guardrails: list[dict[str, Any]] = []
    for metric in metrics:
        kind, role = metric.get("kind"), metric.get("role")
        if kind not in ("conversion", "continuous") or role not in ROLES:
            raise StatsInputError(
                msg.UNKNOWN_METHOD.format(name="metric", allowed=ROLES, value=role)
            )
        direction = metric.get("direction") or "increase"
        base = {"metric": str(metric.get("name")), "kind": kind, "direction": direction}
        values = metric.get("values")
        try:
            arms = _metric_arms(kind, sizes, values) if values is not None else None
        except StatsInputError:
            arms = None
        if role == "secondary":
            comparisons = []
            for i in range(1, len(names)):
                item: dict[str, Any] = {"variant": names[i]}
                if arms is None:
                    item["error"] = "missing"
                else:
                    compare = compare_conversions if kind == "conversion" else compare_means
                    try:
                        item |= compare(control=arms[0], variant=arms[i], alpha=alpha).to_dict()
                    except StatsInputError:
                        item["error"] = "untestable"
                comparisons.append(item)
            secondary.append(base | {"comparisons": comparisons})
            continue
        tolerance = metric.get("tolerance")
        per_variant = []
        for i in range(1, len(names)):
            test = noninferiority_conversions if kind == "conversion" else noninferiority_means
            item = {"variant": names[i], "status": "untestable", "p_value": None, "estimate": None}
            if arms is not None:
                try:
                    result = test(
                        control=arms[0],
                        variant=arms[i],
                        tolerance=tolerance,
                        direction=direction,
                        alpha=alpha,
                    )
                    item |= result.to_dict()
                except StatsInputError:
                    pass
            per_variant.append(item)
        status = worst_status([v["status"] for v in per_variant])
        tested = [v for v in per_variant if v["status"] == status] or per_variant
        lead = max(tested, key=lambda v: -1.0 if v["p_value"] is None else v["p_value"])
        guardrails.append(
            base
            | {
                "status": status,
                "tolerance": tolerance,
                "estimate": lead.get("estimate"),
                "bound": lead.get("bound"),
                "p_value": lead.get("p_value"),
                "variants": per_variant,
            }
        )
    _adjust_secondary(secondary, len(names) - 1)
    return secondary, guardrails


def _adjust_secondary(secondary: list[dict[str, Any]], variants: int) -> None:
    """Benjamini–Hochberg across the secondary metrics, separately for each variant."""
    for i in range(variants):
        items = [m["comparisons"][i] for m in secondary if "p_value" in m["comparisons"][i]]
        if not items:
            continue
        adjusted = benjamini_hochberg([c["p_value"] for c in items])
        for item, p in zip(items, adjusted, strict=True):
            item["adjusted_p_value"] = p
            item["significant"] = p < item["alpha"]
