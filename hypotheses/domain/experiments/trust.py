"""Whether a stored analysis may be trusted, and the verdict line every screen and export shows.

A verdict warns before it praises (issue 13): a sample-ratio mismatch, a breached or untestable
guardrail, an early look (results before the planned sample) or a finish below the planned
sample changes the headline itself — "Do not trust this result: the traffic split differs from
the plan (p < 0.001)." — and the numbers' own verdict follows as "As measured: …".

``trust_of`` reads the reasons from the stored engine output (its warnings, and the
``guardrails`` key when the analysis has one); ``verdict_line`` is the one function that words
an analysis's verdict for the test page's looks, the hypothesis page, the dashboard, the
learnings, the review agenda, the published review and its Markdown export, the CSV exports
and the API. Worded in the active language; codes and numbers never are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from hypotheses.domain.experiments import verdicts
from hypotheses.domain.experiments.wording import p_text, percent_floor
from hypotheses.models import Analysis, ResultSet

CODES = ("srm", "guardrail_breached", "guardrail_untestable", "early_look", "underpowered")
SRM_ALPHA = 0.001


@dataclass(frozen=True)
class Reason:
    """One reason not to trust a result: its code, a clause in the reader's language, and the
    numbers it states (p_value for srm, metric for guardrails, achieved/planned for samples)."""

    code: str
    message: str
    data: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.data}


@dataclass(frozen=True)
class Trust:
    """The reasons not to trust an analysis (none: trusted)."""

    reasons: tuple[Reason, ...] = ()

    @property
    def trusted(self) -> bool:
        return not self.reasons

    @property
    def codes(self) -> list[str]:
        return [r.code for r in self.reasons]

    @property
    def headline(self) -> str | None:
        """The warning that replaces the verdict's headline (None when trusted)."""
        if self.trusted:
            return None
        clauses = "; ".join(r.message for r in self.reasons)
        return _("Do not trust this result: %(reasons)s.", reasons=clauses)

    def as_dict(self) -> dict[str, Any]:
        return {"trusted": self.trusted, "reasons": [r.as_dict() for r in self.reasons]}


def _percent(achieved: int, planned: int) -> str:
    return percent_floor(achieved, planned) if planned else "—"


def _sample_reason(code: str, data: dict[str, Any]) -> Reason:
    achieved, planned = int(data.get("achieved") or 0), int(data.get("planned") or 0)
    numbers = {"achieved": achieved, "planned": planned}
    if code == "early_look":
        message = _(
            "an early look at %(percent)s of the planned sample, before the test is done",
            percent=_percent(achieved, planned),
        )
    else:
        message = _(
            "the test ended at %(percent)s of the planned sample, too few to detect the "
            "planned effect",
            percent=_percent(achieved, planned),
        )
    return Reason(code, message, numbers)


# guardrail status -> the reason's code and message (%(metric)s: the guardrail), in this order.
GUARDRAIL_REASONS = {
    "breached": ("guardrail_breached", _l("the guardrail “%(metric)s” was breached")),
    "untestable": ("guardrail_untestable", _l("the guardrail “%(metric)s” could not be tested")),
}


def _guardrail_reasons(output: dict[str, Any]) -> list[Reason]:
    items = output.get("guardrails")
    if not isinstance(items, list):
        return []
    reasons = []
    for status, (code, message) in GUARDRAIL_REASONS.items():
        for item in items:
            if isinstance(item, dict) and item.get("status") == status:
                name = str(item.get("metric") or item.get("name") or "?")
                reasons.append(Reason(code, str(message) % {"metric": name}, {"metric": name}))
    return reasons


def trust_of(output: dict[str, Any] | None) -> Trust:
    """Return the reasons not to trust a stored analysis output (engine output dict)."""
    if not output or not output.get("comparisons"):
        return Trust()
    normal = verdicts.normalized(output) or {}
    warned = {w["code"]: w.get("data") or {} for w in normal.get("warnings", [])}
    reasons: list[Reason] = []
    srm = output.get("srm") or {}
    if "srm" in warned or srm.get("mismatch"):
        p = warned.get("srm", {}).get("p_value", srm.get("p_value"))
        if p is not None:
            message = _(
                "the traffic split differs from the plan (p %(p)s)",
                p=p_text(float(p), SRM_ALPHA),
            )
        else:
            message = _("the traffic split differs from the plan")
        reasons.append(Reason("srm", message, {"p_value": p}))
    reasons.extend(_guardrail_reasons(output))
    if "early_look" in warned and not output.get("final"):
        reasons.append(_sample_reason("early_look", warned["early_look"]))
    if "underpowered" in warned:
        reasons.append(_sample_reason("underpowered", warned["underpowered"]))
    return Trust(tuple(reasons))


def guarded(trust: Trust, verdict: str | None) -> str | None:
    """Put the warning before a verdict sentence of an untrusted analysis."""
    if trust.trusted or not verdict:
        return verdict if trust.trusted else trust.headline
    return _("%(warning)s As measured: %(verdict)s", warning=trust.headline, verdict=verdict)


def verdict_line(output: dict[str, Any] | None, stored: str | None = None) -> str | None:
    """The verdict of a stored analysis as every screen and export shows it: the warning first
    when it may not be trusted, else the verdict (None without an analysis to word)."""
    return guarded(trust_of(output), verdicts.verdict_text(output, stored))


def comparison_line(output: dict[str, Any], comparison: dict[str, Any]) -> str:
    """One variant's verdict (CSV rows per comparison), the warning first when untrusted."""
    return guarded(trust_of(output), verdicts.comparison_sentence(output, comparison)) or ""


def latest_outputs(
    session: Session, experiment_ids: list[int] | Any
) -> dict[int, tuple[dict[str, Any], str]]:
    """Return {experiment id: (output, stored verdict)} of the newest analysis of each test's
    latest results (an older look re-run with a newer engine does not become the latest).
    *experiment_ids* is a list or a subquery of ids."""
    if isinstance(experiment_ids, list) and not experiment_ids:
        return {}
    rows = session.exec(
        select(Analysis.experiment_id, Analysis.output, Analysis.verdict)
        .join(ResultSet, col(ResultSet.id) == col(Analysis.result_set_id))
        .where(col(Analysis.experiment_id).in_(experiment_ids))
        .order_by(col(ResultSet.created_at), col(ResultSet.id), col(Analysis.id))
    ).all()
    return {key: (output, stored) for key, output, stored in rows}  # later rows win


def latest_verdicts(session: Session, experiment_ids: list[int] | Any) -> dict[int, str]:
    """Return {experiment id: verdict_line of its latest analysis}, in the reader's language."""
    newest = latest_outputs(session, experiment_ids)
    return {key: verdict_line(output, stored) for key, (output, stored) in newest.items()}


def latest_trust(session: Session, experiment_ids: list[int]) -> dict[int, Trust]:
    """Return {experiment id: Trust of its latest analysis} (tests without one are left out)."""
    newest = latest_outputs(session, experiment_ids)
    return {key: trust_of(output) for key, (output, _stored) in newest.items()}
