"""Forms of ending and deciding: stopping a test, the finish below the planned sample, the
decision with its reason when it goes against the analysis, and a lead's correction."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, SubmitField

from hypotheses.enums import Decision, Outcome
from hypotheses.experiments.fields import ActionForm, options, text_field


class StopForm(ActionForm):
    """Abort a running test; the reason goes on the record."""

    page_key, sends = "stop_form", ("reason",)
    reason = text_field(_l("Why stop this test?"), 1000, area=True)
    submit = SubmitField(_l("Stop the test"))


class FinishForm(ActionForm):
    """End a running test with its latest results; below the planned sample, with the lead's
    confirmation and reason."""

    page_key = "finish_form"
    anchor = "analysis"
    reason = text_field(_l("Why finish below the planned sample?"), 1000, area=True)
    confirm = BooleanField(_l("I confirm the test ends below its planned sample"))
    submit = SubmitField(_l("Finish with the latest results"))

    def arguments(self) -> dict[str, Any]:
        return {"reason": self.reason.data, "confirmed": bool(self.confirm.data)}


class DecisionForm(ActionForm):
    """The lead's decision, the outcome, the one-line learning and an optional follow-up."""

    page_key, sends = (
        "decision_form",
        ("decision", "outcome", "learning", "follow_up_title", "reason"),
    )
    decision = RadioField(_l("Decision"), choices=options(Decision.labels()), validate_choice=False)
    outcome = RadioField(_l("Outcome"), choices=options(Outcome.labels()), validate_choice=False)
    learning = text_field(_l("Learning, in one line"), 200)
    follow_up_title = text_field(_l("Follow-up hypothesis title (optional)"), 200, optional=True)
    # needed only when the decision goes against the analysis (domain.experiments.deciding)
    reason = text_field(_l("Why decide against the analysis?"), 1000, optional=True, area=True)
    submit = SubmitField(_l("Record the decision"))


class CorrectionForm(ActionForm):
    """A lead corrects a recorded decision: new decision and outcome, and why."""

    page_key, sends = "correction_form", ("decision", "outcome", "learning", "reason")
    decision = RadioField(_l("Decision"), choices=options(Decision.labels()), validate_choice=False)
    outcome = RadioField(_l("Outcome"), choices=options(Outcome.labels()), validate_choice=False)
    learning = text_field(_l("New learning, in one line (optional)"), 200, optional=True)
    reason = text_field(_l("Why correct the decision?"), 1000, area=True)
    submit = SubmitField(_l("Correct the decision"))
