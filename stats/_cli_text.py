"""English text of the command line (``python -m stats``), worded from the engine's codes.

The engine returns codes and numbers only (DESIGN.md §5); the app words them in the reader's
language (hypotheses.domain.experiments.verdicts), this module in English for the terminal.
"""

from __future__ import annotations

from typing import Any

from stats import number_text
from stats.results import AnalysisResult, AnalysisWarning, Comparison

CORRECTION_NAMES = {"holm": "Holm", "bh": "Benjamini–Hochberg"}
SPENDING_NAMES = {"obrien-fleming": "O'Brien-Fleming-type", "pocock": "Pocock-type"}


def format_rate(rate: float) -> str:
    """A rate as a percentage: one decimal from 1 %, two significant digits below."""
    return number_text.rate(rate, "%")


def format_p(p: float, alpha: float) -> str:
    """A p-value with its relation sign ("= 0.004", "< 0.001"), never rounded across alpha."""
    return number_text.p_text(p, alpha)


def format_alpha(alpha: float) -> str:
    """Alpha as people write it (0.05, 0.1)."""
    return f"{alpha:g}"


def _p_label(p_kind: str) -> str:
    kind, name = p_kind, ""
    for correction in CORRECTION_NAMES:
        if p_kind.endswith("-" + correction):
            kind, name = p_kind.removesuffix("-" + correction), CORRECTION_NAMES[correction]
    if kind == "always-valid":
        return f"always-valid {name}-adjusted p" if name else "always-valid p"
    if kind == "group-sequential":
        return f"{name}-adjusted sequential p" if name else "sequential p"
    return f"{name}-adjusted p" if name else "p"


def _details(data: dict[str, Any], conversion: bool) -> str:
    lift, ci = float(data["lift"]), data["ci"]
    values = [lift, *ci] if ci else [lift]
    if data["lift_kind"] == "relative":
        texts = number_text.signed_group([100 * v for v in values], "%")
    else:
        scale, unit = (100, " pp") if conversion else (1, "")
        texts = number_text.signed_group([scale * v for v in values], unit)
    p = f"{_p_label(data['p_kind'])} {format_p(data['p_value'], data['alpha'])}"
    if not ci:
        return f"{texts[0]}, {p}"
    level = f"{data['ci_level'] * 100:g}%"
    if data["p_kind"].startswith("always-valid"):
        level = "always-valid " + level
    elif data["p_kind"].startswith("group-sequential"):
        level = "repeated " + level
    return f"{texts[0]}, {level} CI {texts[1]} to {texts[2]}, {p}"


def verdict_sentence(result: AnalysisResult, c: Comparison) -> str:
    """One comparison's verdict in English, from its code and numbers."""
    data = c.verdict_data or {}
    conversion = result.metric_kind == "conversion"
    a, b = data["control_value"], data["variant_value"]
    control, variant = (
        number_text.two_rates(a, b, "%") if conversion else number_text.two_values(a, b)
    )
    details = _details(data, conversion)
    metric, alpha = result.metric_name, format_alpha(data["alpha"])
    base = c.verdict_code.removeprefix("early_")
    early = c.verdict_code.startswith("early_")
    if early and base == "not_significant":
        text = (
            f"no conclusive difference yet for variant {c.variant}: {metric} {variant} against "
            f"{control} for the control ({details}); keep the test running to the planned "
            f"{result.planned_per_variant:,} per arm."
        )
    elif base == "not_significant":
        text = (
            f"No significant difference: variant {c.variant} had {metric} {variant} against "
            f"{control} for the control ({details}); not significant at α = {alpha}."
        )
    else:
        verb = "raised" if base == "significant_up" else "lowered"
        text = (
            f"Variant {c.variant} {verb} {metric} from {control} to {variant} ({details}): "
            f"significant at α = {alpha}."
        )
    if data.get("interval_omitted"):
        text += (
            " (The approximate score interval disagrees with Fisher's exact test, so it is not "
            "shown.)"
        )
    if data.get("relative_unbounded"):
        text += (
            " The relative change cannot be bounded: the control mean is not clearly away "
            "from zero."
        )
    if early and result.planned_per_variant:
        smallest = min(arm.n for arm in result.arms)
        percent = 100 * smallest // result.planned_per_variant
        text = f"Early look at {percent}% of the planned sample: {text}"
    return text


def verdict(result: AnalysisResult) -> str:
    """The whole verdict (every variant) in English."""
    return " ".join(verdict_sentence(result, c) for c in result.comparisons)


def warning_text(w: AnalysisWarning) -> str:
    """One warning in English, from its code and numbers."""
    d = w.data or {}
    if w.code == "srm":
        observed = "/".join(f"{n:,}" for n in d["observed"])
        planned = "/".join(f"{p:g}%" for p in d["planned_percent"])
        return (
            f"Sample ratio mismatch (p = {d['p_value']:.2g}): the observed split {observed} "
            f"differs from the planned {planned}. Check how visitors are assigned before "
            "trusting these results."
        )
    if w.code == "underpowered":
        return (
            f"Under-powered: the test ended with {d['achieved']:,} per arm (smallest arm) "
            f"against the planned {d['planned']:,}, so a real effect of the planned size may "
            "have been missed."
        )
    if w.code == "early_look":
        share = f"{100 * d['achieved'] // d['planned']}%"
        sizes = f"{d['achieved']:,} per arm (smallest arm) of the planned {d['planned']:,}"
        if d.get("z_bound") is not None:
            spending = SPENDING_NAMES.get(d["spending"], d["spending"])
            return (
                f"Look {d['look']} at {sizes} ({share}). The verdict uses the {spending} "
                f"group-sequential bound for this look (|z| ≥ {d['z_bound']:.2f}), which keeps "
                "the false-positive rate at α over all recorded looks."
            )
        return (
            f"Early look: {sizes} ({share}). Fixed-sample p-values are not valid yet; the "
            "verdict uses the always-valid (sequential) result."
        )
    if w.code == "multiple_variants":
        name = CORRECTION_NAMES.get(d["correction"], d["correction"])
        return (
            f"{d['count']} variants are compared with the control, so p-values are "
            f"{name}-adjusted for multiple comparisons."
        )
    return w.code
