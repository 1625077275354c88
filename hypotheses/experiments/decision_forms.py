"""Forms of finishing and deciding (issue 13): the finish below the planned sample, the
decision with its reason when it goes against the analysis, and a lead's correction."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from hypotheses.enums import Decision, Outcome
from hypotheses.forms import AppForm, no_control_chars, strip_filter

TEXT = [strip_filter]


def _options(mapping: dict) -> list[SelectChoice]:
    return [SelectChoice(key, label) for key, label in mapping.items()]


class FinishForm(AppForm):
    """End a running test with its latest results; below the planned sample, with the lead's
    confirmation and reason."""

    reason = TextAreaField(
        _l("Why finish below the planned sample?"),
        filters=TEXT,
        validators=[Length(max=1000), no_control_chars],
    )
    confirm = BooleanField(_l("I confirm the test ends below its planned sample"))
    submit = SubmitField(_l("Finish with the latest results"))


class CorrectionForm(AppForm):
    """A lead corrects a recorded decision: new decision and outcome, and why."""

    decision = RadioField(
        _l("Decision"), choices=_options(Decision.labels()), validate_choice=False
    )
    outcome = RadioField(_l("Outcome"), choices=_options(Outcome.labels()), validate_choice=False)
    learning = StringField(
        _l("New learning, in one line (optional)"),
        filters=TEXT,
        validators=[Optional(), Length(max=200), no_control_chars],
    )
    reason = TextAreaField(
        _l("Why correct the decision?"),
        filters=TEXT,
        validators=[Length(max=1000), no_control_chars],
    )
    submit = SubmitField(_l("Correct the decision"))
