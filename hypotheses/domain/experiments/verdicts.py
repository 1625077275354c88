"""Verdicts and warnings in the reader's language, worded from the engine's codes and numbers.

The statistics engine returns no prose (DESIGN.md §5): each comparison has a ``verdict_code``
([early_]significant_up / _down / not_significant) and ``verdict_data`` (the lift, its interval,
the p-value and its kind, alpha, both values), each warning a code and its numbers. This module
is the one place that turns them into sentences, with the active locale's number format
(Russian: decimal comma, «» around names, plural forms) — for the analysis page, the learnings,
the review agenda and export, CSV exports and the API.

Analyses stored by engines before the codes existed (1.x) hold an English sentence and no
codes: the code and numbers are derived from the stored numbers the same way the engine
derives them (the sequential result when there is one, significant when its p < alpha, the
direction from the sign of the lift, early when the look is early and not final), so old and
new analyses read the same in every language. Outputs with no comparisons at all (hand-made
rows) fall back to the stored text. Numbers are written by ``wording``; warnings are worded by
``verdict_warnings``.
"""

from __future__ import annotations

from typing import Any

from flask_babel import force_locale, ngettext, pgettext
from flask_babel import gettext as _

from hypotheses.domain.experiments.wording import (
    count_text,
    p_text,
    percent_floor,
    plain_number,
    signed_group,
    two_rates,
    two_values,
)
from hypotheses.languages import percent_sign

# The engine's names for a metric nobody named (stats.analysis.DEFAULT_METRIC_NAMES).
DEFAULT_METRIC_NAMES = {"conversion rate", "mean value"}


# --------------------------------------------------------------------- codes and numbers


def _judged(comparison: dict[str, Any]) -> dict[str, Any]:
    return comparison.get("sequential") or comparison


def derive_code(output: dict[str, Any], comparison: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Return the comparison's verdict code and numbers: the stored ones (engine 2.0.0 on),
    else derived from the stored numbers as the engine derives them."""
    if comparison.get("verdict_code") and comparison.get("verdict_data"):
        return comparison["verdict_code"], comparison["verdict_data"]
    alpha = float(output["alpha"])
    correction = output.get("correction") or "none"
    seq = comparison.get("sequential")
    source = _judged(comparison)
    if seq:
        kind = "group-sequential" if seq.get("z_bound") is not None else "always-valid"
        p = seq.get("adjusted_p_value")
        p = seq["p_value"] if p is None else p
        show_interval = True
    else:
        kind = "fixed"
        p = comparison.get("adjusted_p_value")
        p = comparison["p_value"] if p is None else p
        show_interval = comparison.get("interval_agrees", True) is not False
    significant = p < alpha
    abs_diff = source.get("abs_diff", comparison["abs_diff"])
    if significant:
        code = "significant_up" if abs_diff > 0 else "significant_down"
    else:
        code = "not_significant"
    if seq and output.get("early_look") and not output.get("final"):
        code = "early_" + code
    rel_lift, rel_ci = source.get("rel_lift"), source.get("rel_ci")
    relative = rel_lift is not None and rel_ci is not None
    interval = rel_ci if relative else source.get("abs_ci")
    data = {
        "lift_kind": "relative" if relative else "absolute",
        "lift": rel_lift if relative else abs_diff,
        "ci": list(interval) if show_interval and interval is not None else None,
        "ci_level": 1 - alpha,
        "p_value": p,
        "p_kind": kind if correction == "none" else f"{kind}-{correction}",
        "alpha": alpha,
        "control_value": comparison["control_value"],
        "variant_value": comparison["variant_value"],
        "interval_omitted": not show_interval,
        "relative_unbounded": output.get("metric_kind") == "continuous"
        and rel_lift is not None
        and rel_ci is None,
    }
    return code, data


def derive_warning_data(output: dict[str, Any], code: str) -> dict[str, Any]:
    """Return a warning's numbers from the stored analysis (for outputs made before warnings
    carried their numbers; the same numbers the engine gives now)."""
    sizes = [int(arm["n"]) for arm in output.get("arms", [])]
    smallest = min(sizes) if sizes else 0
    planned = output.get("planned_per_variant")
    if code == "srm":
        split = [float(w) for w in output.get("planned_split") or [1.0] * len(sizes)]
        total = sum(split) or 1.0
        return {
            "p_value": output["srm"]["p_value"],
            "observed": sizes,
            "planned_percent": [100 * w / total for w in split],
        }
    if code in ("early_look", "underpowered"):
        data: dict[str, Any] = {"achieved": smallest, "planned": planned}
        if code == "early_look" and planned:
            data["fraction"] = smallest / planned
            seq = next((c.get("sequential") for c in output["comparisons"]), None)
            if seq and seq.get("z_bound") is not None:
                data |= {
                    "look": seq.get("look"),
                    "spending": str(seq.get("method", "")).removeprefix("group-sequential-"),
                    "z_bound": seq["z_bound"],
                }
        return data
    if code == "multiple_variants":
        return {"count": len(output["comparisons"]), "correction": output.get("correction")}
    return {}


def normalized(output: dict[str, Any] | None) -> dict[str, Any] | None:
    """Return a copy of a stored output where every comparison has its code and numbers and
    every warning its numbers (derived for old outputs); English texts of old outputs are
    dropped (the API's details never carry prose)."""
    if not output or not output.get("comparisons"):
        return output
    copy = {key: value for key, value in output.items() if key != "verdict"}
    comparisons = []
    for comparison in output["comparisons"]:
        code, data = derive_code(output, comparison)
        item = {key: value for key, value in comparison.items() if key != "verdict"}
        comparisons.append({**item, "verdict_code": code, "verdict_data": data})
    copy["comparisons"] = comparisons
    copy["warnings"] = [
        {"code": w["code"], "data": w.get("data") or derive_warning_data(output, w["code"])}
        for w in output.get("warnings", [])
    ]
    return copy


# --------------------------------------------------------------------- sentences


def correction_name(correction: str) -> str:
    """The name of a p-value correction as it reads inside "Holm-adjusted"."""
    names = {
        "holm": pgettext("p-value correction", "Holm"),
        "bh": pgettext("p-value correction", "Benjamini–Hochberg"),
        "none": pgettext("p-value correction", "none"),
    }
    return names.get(correction, correction)


def _p_label(p_kind: str) -> str:
    kind, name = p_kind, ""
    for correction in ("holm", "bh"):
        if p_kind.endswith("-" + correction):
            kind, name = p_kind.removesuffix("-" + correction), correction_name(correction)
    if kind == "always-valid":
        if name:
            return _("always-valid %(correction)s-adjusted p", correction=name)
        return _("always-valid p")
    if kind == "group-sequential":
        if name:
            return _("%(correction)s-adjusted sequential p", correction=name)
        return _("sequential p")
    return _("%(correction)s-adjusted p", correction=name) if name else "p"


def _level(p_kind: str, ci_level: float) -> str:
    level = plain_number(round(ci_level * 100, 10)) + "%"
    if p_kind.startswith("always-valid"):
        return _("always-valid %(level)s", level=level)
    if p_kind.startswith("group-sequential"):
        return _("repeated %(level)s", level=level)
    return level


def _metric(name: str) -> str:
    if name == "conversion rate":
        return _("conversion rate")
    if name == "mean value":
        return _("mean value")
    return name


def _details(data: dict[str, Any], conversion: bool) -> str:
    """The parenthesis of a verdict: the lift, its interval when stated, the p-value."""
    lift, ci = float(data["lift"]), data.get("ci")
    values = [lift, *(float(v) for v in ci)] if ci else [lift]
    if data["lift_kind"] == "relative":
        texts = signed_group([100 * v for v in values], percent_sign())
    elif conversion:
        texts = signed_group([100 * v for v in values], " " + _("pp"))
    else:
        texts = signed_group(values, "")
    p = p_text(float(data["p_value"]), float(data["alpha"]))
    label = _p_label(str(data["p_kind"]))
    if ci:
        return _(
            "%(lift)s, %(level)s CI %(ci_low)s to %(ci_high)s, %(p_label)s %(p)s",
            lift=texts[0],
            level=_level(str(data["p_kind"]), float(data["ci_level"])),
            ci_low=texts[1],
            ci_high=texts[2],
            p_label=label,
            p=p,
        )
    return _("%(lift)s, %(p_label)s %(p)s", lift=texts[0], p_label=label, p=p)


def comparison_sentence(output: dict[str, Any], comparison: dict[str, Any]) -> str:
    """The verdict of one variant against the control, in the active language."""
    code, data = derive_code(output, comparison)
    conversion = output.get("metric_kind") == "conversion"
    a, b = float(data["control_value"]), float(data["variant_value"])
    control_value, variant_value = two_rates(a, b) if conversion else two_values(a, b)
    fields = {
        "variant": comparison["variant"],
        "metric": _metric(str(output.get("metric_name") or "")),
        "control_value": control_value,
        "variant_value": variant_value,
        "details": _details(data, conversion),
        "alpha": plain_number(float(data["alpha"])),
    }
    early = code.startswith("early_")
    base = code.removeprefix("early_")
    if early and base == "not_significant":
        planned = int(output.get("planned_per_variant") or 0)
        text = ngettext(
            "no conclusive difference yet for variant %(variant)s: %(metric)s %(variant_value)s "
            "against %(control_value)s for the control (%(details)s); keep the test running to "
            "the planned %(count)s per arm.",
            "no conclusive difference yet for variant %(variant)s: %(metric)s %(variant_value)s "
            "against %(control_value)s for the control (%(details)s); keep the test running to "
            "the planned %(count)s per arm.",
            planned,
            count=count_text(planned),
            **fields,
        )
    elif base == "significant_up":
        text = _(
            "Variant %(variant)s raised %(metric)s from %(control_value)s to %(variant_value)s "
            "(%(details)s): significant at α = %(alpha)s.",
            **fields,
        )
    elif base == "significant_down":
        text = _(
            "Variant %(variant)s lowered %(metric)s from %(control_value)s to %(variant_value)s "
            "(%(details)s): significant at α = %(alpha)s.",
            **fields,
        )
    else:
        text = _(
            "No significant difference: variant %(variant)s had %(metric)s %(variant_value)s "
            "against %(control_value)s for the control (%(details)s); not significant at "
            "α = %(alpha)s.",
            **fields,
        )
    if data.get("interval_omitted"):
        text += " " + _(
            "(The approximate score interval disagrees with Fisher's exact test, so it is not "
            "shown.)"
        )
    if data.get("relative_unbounded"):
        text += " " + _(
            "The relative change cannot be bounded: the control mean is not clearly away from zero."
        )
    if early:
        sizes = [int(arm["n"]) for arm in output.get("arms", [])]
        planned = int(output.get("planned_per_variant") or 0)
        percent = percent_floor(min(sizes), planned) if sizes and planned else "—"
        text = _(
            "Early look at %(percent)s of the planned sample: %(verdict)s",
            percent=percent,
            verdict=text,
        )
    return text


def verdict_text(output: dict[str, Any] | None, stored: str | None = None) -> str | None:
    """The whole verdict of a stored analysis (every variant), in the active language; the
    *stored* text when the output holds no comparisons to word."""
    if not output or not output.get("comparisons"):
        return stored
    return " ".join(comparison_sentence(output, c) for c in output["comparisons"])


def english_verdict(output: dict[str, Any]) -> str:
    """The verdict in English, as kept in Analysis.verdict for readers of the database."""
    with force_locale("en"):
        return verdict_text(output) or ""
