"""The issue-13 sample-ratio mismatch example, shared by the page and API trust tests."""

from __future__ import annotations

import experiment_factories as ef

from hypotheses.domain.experiments import ending
from hypotheses.domain.experiments import results as experiment_results

WARNING = "Do not trust this result: the traffic split differs from the plan (p < 0.001)."
WARNING_RU = "Не доверяйте этому результату: распределение трафика отличается от плана (p < 0,001)."
PRAISE = "Variant B raised"


def srm_test(db, team, users, *, decide=False):
    """The issue's example: final results A 16000/480, B 14500/520 (planned 50/50), finished by
    a lead above the planned sample, so the mismatch is the only reason."""
    hypothesis = ef.running(db, team=team, lead=users["lead"], title="Short lead form", mde=0.3)
    experiment_results.record_results(
        db,
        team=team,
        actor=users["lead"],
        hypothesis_id=hypothesis.id,
        variants=ef.conversion_results((16000, 480), (14500, 520)),
        final=True,
    )
    if decide:
        ending.decide(
            db,
            team=team,
            actor=users["lead"],
            hypothesis_id=hypothesis.id,
            decision="iterate",
            outcome="inconclusive",
            learning="Fix the assignment and run it again.",
        )
    return hypothesis
