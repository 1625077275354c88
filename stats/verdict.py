"""Language-free verdicts (DESIGN.md §4–5): a code and the numbers a verdict states.

The engine returns numbers and codes, never prose: the app renders the sentence in the
reader's language (hypotheses.domain.experiments.verdicts), the command line in English
(stats._cli_text).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class VerdictInputs:
    """Numbers one verdict needs, whichever test produced them."""

    variant: str
    metric: str
    metric_kind: str
    control_value: float
    variant_value: float
    abs_diff: float
    abs_ci: tuple[float, float]
    rel_lift: float | None
    rel_ci: tuple[float, float] | None
    p_value: float
    significant: bool
    alpha: float
    show_interval: bool = True  # False: the interval disagrees with the test (Fisher region)


def relative_unbounded(v: VerdictInputs) -> bool:
    """Tell whether a relative change of means exists but cannot be bounded (Fieller)."""
    return v.metric_kind == "continuous" and v.rel_lift is not None and v.rel_ci is None


def verdict_code(v: VerdictInputs, early: bool) -> str:
    """Return the language-free code of a verdict: [early_]significant_up,
    [early_]significant_down or [early_]not_significant."""
    if v.significant:
        code = "significant_up" if v.abs_diff > 0 else "significant_down"
    else:
        code = "not_significant"
    return "early_" + code if early else code


def verdict_data(v: VerdictInputs, p_kind: str) -> dict[str, object]:
    """Return the numbers a verdict states, so an app can render it in any language.

    p_kind: "fixed", "always-valid" or "group-sequential", with "-holm" / "-bh" when the
    p-value is adjusted for several variants."""
    relative = v.rel_lift is not None and v.rel_ci is not None
    interval = v.rel_ci if relative else v.abs_ci
    return {
        "lift_kind": "relative" if relative else "absolute",
        "lift": v.rel_lift if relative else v.abs_diff,
        "ci": list(interval) if v.show_interval and interval is not None else None,
        "ci_level": 1 - v.alpha,
        "p_value": v.p_value,
        "p_kind": p_kind,
        "alpha": v.alpha,
        "control_value": v.control_value,
        "variant_value": v.variant_value,
        "interval_omitted": not v.show_interval,
        "relative_unbounded": relative_unbounded(v),
    }
