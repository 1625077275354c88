"""Pieces of the analysis section that follow the engine's conventions (stats engine 2.0.0).

Which result a verdict reads (the sequential one whenever the engine gave one), what a
group-sequential look says (its number, information fraction, bound and alpha spent), the
early-look method and its promise, and the intervals a page may state: a relative interval
for means that cannot be bounded says so, and an interval that disagrees with Fisher's exact
test is left out. Stored analyses of older engines lack the newer fields; their defaults are
what those engines did.
"""

from __future__ import annotations

from typing import Any

from flask_babel import format_decimal
from flask_babel import gettext as _

from hypotheses.enums import EarlyLookMethod
from hypotheses.experiments.formatting import ci_range, num, pct, signed_num, signed_pp

# Engines before 2.0.0 judged early looks only by the always-valid confidence sequence.
OLD_ENGINE_METHOD = EarlyLookMethod.ALWAYS_VALID
# The engine reports this bound for a look that has no alpha left to spend.
NO_ALPHA_BOUND = 40.0


def judged(comparison: dict[str, Any]) -> dict[str, Any]:
    """Return the result the comparison's verdict reads: the sequential one when the engine gave
    one (an early look, or a final look of a group-sequential test), else the fixed one."""
    return comparison.get("sequential") or comparison


def is_group_sequential(sequential: dict[str, Any] | None) -> bool:
    """Tell whether a sequential result comes from a group-sequential design."""
    return bool(sequential) and sequential.get("z_bound") is not None


def early_look_method(inputs: dict[str, Any] | None) -> EarlyLookMethod:
    """Return the early-look method an analysis was made with (stored in its inputs)."""
    stored = (inputs or {}).get("early_look_method")
    return EarlyLookMethod.find(stored) or OLD_ENGINE_METHOD


def _brief_pct(value: float) -> str:
    if 0 < value < 0.0001:
        return "< " + format_decimal(0.01, format="0.00") + "%"
    return format_decimal(value * 100, format="#,##0.##") + "%"


def look_summary(sequential: dict[str, Any], alpha: float) -> str:
    """Describe one group-sequential look: "Look 3 of the group-sequential plan: 60% of the
    planned sample, bound |z| ≥ 2.68, α spent up to this look 0.76% of 5%." """
    bound = sequential["z_bound"]
    values = {
        "look": sequential.get("look") or 1,
        "information": pct(sequential.get("information_fraction"), 0),
        "spent": _brief_pct(sequential.get("alpha_spent") or 0.0),
        "alpha": _brief_pct(alpha),
    }
    if bound >= NO_ALPHA_BOUND:
        return _(
            "Look %(look)d of the group-sequential plan: %(information)s of the planned "
            "sample; no α is left to spend at this look (α spent up to it: %(spent)s of "
            "%(alpha)s), so no difference can be significant at it.",
            **values,
        )
    return _(
        "Look %(look)d of the group-sequential plan: %(information)s of the planned sample, "
        "bound |z| ≥ %(bound)s, α spent up to this look %(spent)s of %(alpha)s.",
        bound=num(bound, 2),
        **values,
    )


def relative_unbounded(result: dict[str, Any], continuous: bool) -> bool:
    """Tell whether a relative lift exists but its interval cannot be bounded (means, when the
    control's mean is not clearly away from zero: Fieller's interval is unbounded)."""
    return continuous and result.get("rel_lift") is not None and result.get("rel_ci") is None


def interval_omitted(result: dict[str, Any]) -> bool:
    """Tell whether the result's intervals disagree with its test (Fisher's exact test region)
    and so are not stated."""
    return result.get("interval_agrees") is False


def relative_ci_text(result: dict[str, Any], continuous: bool) -> str:
    """The relative interval as a page states it."""
    if interval_omitted(result):
        return _("interval left out (see the note below the table)")
    if result.get("rel_ci"):
        low, high = result["rel_ci"]
        return ci_range(low, high)
    if relative_unbounded(result, continuous):
        return _("cannot be bounded")
    return _("no CI")


def absolute_ci_text(result: dict[str, Any], conversion: bool) -> str:
    """The absolute interval as a page states it."""
    if interval_omitted(result):
        return _("interval left out (see the note below the table)")
    low, high = result["abs_ci"]
    fmt = signed_pp if conversion else signed_num
    return _("%(low)s to %(high)s", low=fmt(low), high=fmt(high))


def sequential_ci_text(sequential: dict[str, Any], conversion: bool) -> str:
    """The sequential (repeated or always-valid) interval: relative when it exists, else the
    absolute one (saying when the relative one cannot be bounded)."""
    if sequential.get("rel_ci"):
        low, high = sequential["rel_ci"]
        return ci_range(low, high)
    text = absolute_ci_text(sequential, conversion)
    if relative_unbounded(sequential, not conversion):
        return _("%(interval)s (relative: cannot be bounded)", interval=text)
    return text
