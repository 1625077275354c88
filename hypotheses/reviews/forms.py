"""Forms of the weekly review and the metric catalog."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from hypotheses.enums import ExperimentStatus
from hypotheses.forms import (
    AppForm,
    StrictFloatField,
    StrictIntegerField,
    no_control_chars,
    strip_filter,
)

UNIT_LABELS = {
    "count": _l("Count"),
    "money": _l("Money"),
    "percent": _l("Percent"),
    "duration": _l("Duration (minutes)"),
}
DIRECTION_LABELS = {"up": _l("Up is good"), "down": _l("Down is good")}
FORMAT_LABELS = {
    "0": _l("Whole numbers (1,234)"),
    "1": _l("One decimal (12.3)"),
    "2": _l("Two decimals (12.34)"),
}


def _options(mapping: dict) -> list[SelectChoice]:
    return [SelectChoice(key, label) for key, label in mapping.items()]


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (works without JavaScript)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def kpi_form(metrics, values: dict[int, float | None] | None = None, formdata=None):
    """Build the KPI snapshot form: one number field per metric, named kpi_<id>."""

    class KpiForm(AppForm):
        submit = SubmitField(_l("Save KPI values"))

    for metric in metrics:
        setattr(
            KpiForm,
            f"kpi_{metric.id}",
            StrictFloatField(
                metric.name, percent=metric.unit == "percent", validators=[Optional()]
            ),
        )
    data = {f"kpi_{mid}": value for mid, value in (values or {}).items()}
    return KpiForm(formdata=formdata, data=data) if formdata is not None else KpiForm(data=data)


class DecisionForm(AppForm):
    text = StringField(
        _l("What was decided"),
        validators=[DataRequired(), Length(max=500), no_control_chars],
        filters=[strip_filter],
    )
    owner_id = SelectField(_l("Owner"), coerce=int, validators=[InputRequired()])
    due = DateField(_l("Due date"), validators=[InputRequired()])
    hypothesis_id = SelectField(_l("Linked hypothesis or test (optional)"), validate_choice=True)
    submit = SubmitField(_l("Add decision"))

    def set_choices(self, members, hypotheses) -> None:
        """Fill the owner and hypothesis selects from the team's members and hypotheses."""
        self.owner_id.choices = [SelectChoice(u.id, u.name) for u in members]
        options = [SelectChoice("", str(_l("— none —")))]
        for hypothesis, experiment in hypotheses:
            suffix = ""
            if experiment is not None:
                status = ExperimentStatus.label_of(experiment.status)
                suffix = f" · {_l('test')}: {status}"
            options.append(SelectChoice(str(hypothesis.id), f"{hypothesis.title}{suffix}"))
        self.hypothesis_id.choices = options

    @property
    def hypothesis_value(self) -> int | None:
        return int(self.hypothesis_id.data) if self.hypothesis_id.data else None

    @property
    def values(self) -> dict[str, Any]:
        """The decision as the domain takes it: text, owner, due date and linked hypothesis."""
        return {
            "text": self.text.data,
            "owner_id": self.owner_id.data,
            "due": self.due.data,
            "hypothesis_id": self.hypothesis_value,
        }


class DetailsForm(AppForm):
    members = MultiCheckboxField(_l("Team members present"), choices=[])
    guests = StringField(
        _l("Other attendees"),
        validators=[Length(max=500), no_control_chars],
        filters=[strip_filter],
        description=_l("Names separated by commas."),
    )
    notes = TextAreaField(
        _l("Notes"),
        validators=[Length(max=20000), no_control_chars],
        filters=[strip_filter],
        render_kw={"rows": 5},
    )
    version = StrictIntegerField(widget=HiddenInput())
    submit = SubmitField(_l("Save attendees and notes"))

    def set_members(self, members) -> None:
        self.members.choices = [SelectChoice(u.name, u.name) for u in members]

    def load(self, review, members) -> None:
        """Split the stored attendee list into checked members and guests."""
        names = {u.name for u in members}
        people = [p.strip() for p in review.attendees.split(",") if p.strip()]
        self.members.data = [p for p in people if p in names]
        self.guests.data = ", ".join(p for p in people if p not in names)
        self.notes.data = review.notes
        self.version.data = review.version

    def attendees(self) -> str:
        """Join the checked members and the guests into the stored list."""
        guests = [g.strip() for g in (self.guests.data or "").split(",") if g.strip()]
        return ", ".join([*(self.members.data or []), *guests])


class AddendumForm(AppForm):
    text = TextAreaField(
        _l("Correction"),
        validators=[DataRequired(), Length(max=2000), no_control_chars],
        filters=[strip_filter],
        render_kw={"rows": 3},
        description=_l(
            "Published reviews stay as they were; a correction is added "
            "below them with today's date and your name."
        ),
    )
    submit = SubmitField(_l("Add addendum"))


class MetricForm(AppForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=120), no_control_chars],
        filters=[strip_filter],
    )
    unit = SelectField(_l("Unit"), choices=_options(UNIT_LABELS))
    direction = SelectField(_l("Which direction is good"), choices=_options(DIRECTION_LABELS))
    fmt = SelectField(_l("Display format"), choices=_options(FORMAT_LABELS))
    tracked = BooleanField(_l("Tracked in the weekly review"))
    submit = SubmitField(_l("Save metric"))
