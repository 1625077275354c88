"""Decisions that match the data (issue 13): the outcome the analysis suggests, and when a
decision goes against it.

A decision contradicts the analysis when it ships a significant loser, kills a significant
winner, ships a result that may not be trusted (sample-ratio mismatch, a breached or
untestable guardrail, an early look or an under-powered finish), or records an outcome other
than the one the analysis shows (a non-significant result as "won"). Such a decision needs a
written reason, stored on the test and shown with it. Higher values of the primary metric
are taken as better (the verdict's "raised").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from hypotheses.domain.experiments import trust, verdicts
from hypotheses.enums import Decision, Outcome


def suggested_outcome(output: dict[str, Any] | None) -> str | None:
    """The outcome the analysis shows: won when a variant is significantly better, lost when
    every variant is significantly worse, else inconclusive — and inconclusive whatever the
    numbers when the result may not be trusted (trust.trust_of); None without an analysis."""
    if not output or not output.get("comparisons"):
        return None
    if not trust.trust_of(output).trusted:
        return Outcome.INCONCLUSIVE.value
    codes = [
        verdicts.derive_code(output, c)[0].removeprefix("early_") for c in output["comparisons"]
    ]
    if "significant_up" in codes:
        return Outcome.WON.value
    if all(code == "significant_down" for code in codes):
        return Outcome.LOST.value
    return Outcome.INCONCLUSIVE.value


@dataclass(frozen=True)
class Contradiction:
    """One way a decision goes against the analysis: a code and a sentence."""

    code: str
    message: str


def contradictions(
    output: dict[str, Any] | None, decision: str, outcome: str
) -> list[Contradiction]:
    """Every way *decision* and *outcome* go against the stored analysis *output*."""
    suggested = suggested_outcome(output)
    if suggested is None:
        return []
    found = []
    if decision == Decision.SHIP and suggested == Outcome.LOST:
        found.append(
            Contradiction("ship_loser", _("The analysis shows the variant significantly worse."))
        )
    if decision == Decision.KILL and suggested == Outcome.WON:
        found.append(
            Contradiction("kill_winner", _("The analysis shows a variant significantly better."))
        )
    trusted = trust.trust_of(output)
    if decision == Decision.SHIP and not trusted.trusted:
        found.append(Contradiction("ship_untrusted", trusted.headline or ""))
    if outcome != suggested:
        found.append(
            Contradiction(
                "outcome_mismatch",
                _(
                    "The analysis shows “%(suggested)s”, not “%(outcome)s”.",
                    suggested=Outcome.label_of(suggested),
                    outcome=Outcome.label_of(outcome),
                ),
            )
        )
    return found


def reason_needed_message(found: list[Contradiction]) -> str:
    """The refusal of a decision against the analysis without a written reason."""
    return _(
        "This decision goes against the analysis: %(why)s Write why, or change the decision.",
        why=" ".join(c.message for c in found),
    )
