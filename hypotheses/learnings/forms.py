"""The learnings search form (GET, no CSRF: it changes nothing)."""

from __future__ import annotations

import re
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional

from hypotheses.enums import Lever, Outcome, Stage, Subject
from hypotheses.forms import AppForm, no_control_chars, strip_filter

_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
FILTERS = ("q", "stage", "lever", "subject", "outcome", "tag", "decided_from", "decided_to")


class StrictDateField(DateField):
    """A YYYY-MM-DD date: ASCII digits, real calendar days only."""

    def process_formdata(self, valuelist):
        self.raw_data = valuelist
        raw = (valuelist[0] if valuelist else "").strip()
        if not raw:
            self.data = None
            return
        self.data = None
        if not _DATE.match(raw):
            raise ValueError(_l("Enter a date as YYYY-MM-DD, like 2026-03-01."))
        try:
            self.data = datetime.strptime(raw, "%Y-%m-%d").date()
        except ValueError:
            raise ValueError(_l("There is no such day in the calendar.")) from None


def _any(label, vocabulary) -> list[tuple[str, str]]:
    return [("", str(label)), *vocabulary.choices()]


class LearningsFilterForm(AppForm):
    """Search and filters of the learnings library."""

    class Meta:
        csrf = False

    q = StringField(
        _l("Search"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=200), no_control_chars],
    )
    stage = SelectField(_l("Funnel stage"), validators=[Optional()])
    lever = SelectField(_l("Lever"), validators=[Optional()])
    subject = SelectField(_l("Subject"), validators=[Optional()])
    outcome = SelectField(_l("Outcome"), validators=[Optional()])
    tag = StringField(
        _l("Tag"), filters=[strip_filter], validators=[Optional(), Length(max=60), no_control_chars]
    )
    decided_from = StrictDateField(_l("Decided from"), validators=[Optional()])
    decided_to = StrictDateField(_l("Decided until"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stage.choices = _any(_l("Any stage"), Stage)
        self.lever.choices = _any(_l("Any lever"), Lever)
        self.subject.choices = _any(_l("Any subject"), Subject)
        self.outcome.choices = _any(_l("Any outcome"), Outcome)

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        start, end = self.decided_from.data, self.decided_to.data
        if isinstance(start, date) and isinstance(end, date) and start > end:
            self.decided_to.errors = [
                *self.decided_to.errors,
                _l("The end date is before the start date."),
            ]
            ok = False
        return ok

    def valid_filters(self) -> dict:
        """Return the filters whose fields have no error (an invalid one is ignored, not fatal)."""
        values = {}
        for name in FILTERS:
            field = getattr(self, name)
            if not field.errors and field.data not in (None, ""):
                values[name] = field.data
        return values

    @property
    def active(self) -> bool:
        """Tell whether any filter was given."""
        return any(getattr(self, n).raw_data and getattr(self, n).raw_data[0] for n in FILTERS)
