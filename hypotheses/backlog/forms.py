"""Forms of the backlog: the hypothesis, inline ICE scores, filters and state buttons."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import HiddenInput

from hypotheses.domain.backlog.fields import FIELD_LABELS
from hypotheses.domain.backlog.rules import (
    MAX_LINKS,
    MAX_REACH,
    MAX_REASON,
    TEXT_LIMITS,
    link_error,
    split_links,
)
from hypotheses.enums import Lever, Stage, Status, Subject
from hypotheses.forms import (
    AppForm,
    StrictFloatField,
    StrictIntegerField,
    no_control_chars,
    strip_filter,
)

ICE_HELP = {
    "impact": _l("How much the metric moves if it works (1 = barely, 10 = a lot)."),
    "confidence": _l("How sure we are that it works (1 = a guess, 10 = proven elsewhere)."),
    "ease": _l("How cheap and fast it is to test (1 = months of work, 10 = an hour)."),
}


def _text(name: str, area: bool = False, required: bool = False, **kwargs: Any):
    field = TextAreaField if area else StringField
    checks = [DataRequired(_l("A title is required."))] if required else [Optional()]
    return field(
        FIELD_LABELS[name],
        filters=[strip_filter],
        validators=[*checks, Length(max=TEXT_LIMITS[name]), no_control_chars],
        **kwargs,
    )


def _score(name: str):
    return StrictIntegerField(
        FIELD_LABELS[name],
        description=ICE_HELP[name],
        default=5,
        validators=[
            InputRequired(_l("Give a score from 1 to 10.")),
            NumberRange(1, 10, _l("Use a whole number from 1 to 10.")),
        ],
    )


def _version():
    return StrictIntegerField(widget=HiddenInput(), validators=[Optional()])


def _options(mapping: dict, *head: tuple[str, Any]) -> list[SelectChoice]:
    """Return select options: the *head* pairs, then the mapping's (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in (*head, *mapping.items())]


class HypothesisForm(AppForm):
    """Create or edit a hypothesis (never its status or approval: those have their own buttons)."""

    title = _text(
        "title",
        required=True,
        render_kw={"autofocus": True},
        description=_l("A short name the team will recognise."),
    )
    change = _text(
        "change", area=True, description=_l("If we … (what exactly changes)"), render_kw={"rows": 2}
    )
    audience = _text("audience", description=_l("for … (who sees the change)"))
    expected_effect = _text(
        "expected_effect", description=_l("then … (which metric moves, and by how much)")
    )
    rationale = _text(
        "rationale",
        area=True,
        render_kw={"rows": 3},
        description=_l("because … (the evidence or reasoning)"),
    )
    stage = SelectField(FIELD_LABELS["stage"], choices=_options(Stage.labels()))
    lever = SelectField(FIELD_LABELS["lever"], choices=_options(Lever.labels()))
    subject = SelectField(FIELD_LABELS["subject"], choices=_options(Subject.labels()))
    channel = _text("channel", description=_l("Where it runs: website, e-mail, sales calls …"))
    owner_id = SelectField(FIELD_LABELS["owner_id"], choices=[])
    tags = StringField(
        FIELD_LABELS["tags"],
        filters=[strip_filter],
        validators=[Optional(), Length(max=500), no_control_chars],
        description=_l("Separate with commas."),
    )
    links = TextAreaField(
        FIELD_LABELS["links"],
        filters=[strip_filter],
        render_kw={"rows": 2},
        validators=[Optional(), Length(max=5500), no_control_chars],
        description=_l("One http(s) address per line: research, mock-ups, data."),
    )
    impact = _score("impact")
    confidence = _score("confidence")
    ease = _score("ease")
    reach = StrictIntegerField(
        FIELD_LABELS["reach"],
        validators=[
            Optional(),
            NumberRange(0, MAX_REACH, _l("Reach is a whole number, 0 or more.")),
        ],
        description=_l("People or events reached per period (RICE)."),
    )
    effort = StrictFloatField(
        FIELD_LABELS["effort"],
        validators=[
            Optional(),
            NumberRange(0.01, 10_000, _l("Effort is a number above 0, at most 10,000.")),
        ],
        description=_l("Person-weeks of work (RICE)."),
    )
    version = _version()
    submit = SubmitField(_l("Save hypothesis"))

    def validate_links(self, field) -> None:
        """Refuse anything but http(s) addresses (no javascript: or data: links)."""
        links = split_links(field.data)
        if len(links) > MAX_LINKS:
            raise ValidationError(_l("Add at most %(n)d links.", n=MAX_LINKS))
        problems = [p for p in (link_error(link) for link in links) if p]
        if problems:
            raise ValidationError(" ".join(problems[:3]))

    def set_owners(self, members: list, *, rice: bool) -> None:
        """Offer the team's members as owners; drop the RICE fields unless the team uses RICE."""
        people = {str(u.id): u.name for u in members}
        self.owner_id.choices = _options(people, ("", _l("— nobody —")))
        if not rice:
            del self.reach
            del self.effort

    def values(self) -> dict[str, Any]:
        """Return the typed values as the domain expects them (every input but the version)."""
        skip = {"version", "submit", "csrf_token"}
        return {field.name: field.data for field in self if field.name not in skip}

    def load(self, values: dict[str, Any]) -> None:
        """Show *values* (e.g. current values after a conflict), forgetting what was typed."""
        for name, value in values.items():
            if name in self:
                field = self[name]
                field.data = ("" if value is None else str(value)) if name == "owner_id" else value
                field.raw_data = None


class ScoreForm(AppForm):
    """The inline ICE form of one backlog row."""

    impact = _score("impact")
    confidence = _score("confidence")
    ease = _score("ease")
    version = _version()


class ReasonForm(AppForm):
    """Reject with a reason."""

    reason = TextAreaField(
        _l("Reason for rejecting"),
        filters=[strip_filter],
        render_kw={"rows": 2},
        validators=[Length(max=MAX_REASON), no_control_chars],
    )
    version = _version()


class VersionedConfirmForm(AppForm):
    """A state button (approve, archive, promote, restore) bound to the version on screen."""

    version = _version()


class FilterForm(AppForm):
    """Filter and sort the backlog list (GET, no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), choices=[], default="")
    stage = SelectField(FIELD_LABELS["stage"], choices=[], default="")
    lever = SelectField(FIELD_LABELS["lever"], choices=[], default="")
    subject = SelectField(FIELD_LABELS["subject"], choices=[], default="")
    owner_id = SelectField(FIELD_LABELS["owner_id"], choices=[], default="")
    q = StringField(_l("Search"), filters=[strip_filter], validators=[Optional(), Length(max=200)])
    sort = SelectField(_l("Sort by"), choices=[], default="score")

    def setup(self, members: list, *, rice: bool) -> None:
        """Fill the choices that depend on the team."""
        everything = ("", _l("All"))
        self.status.choices = _options(Status.labels(), ("", _l("Active")), ("all", _l("All")))
        self.stage.choices = _options(Stage.labels(), everything)
        self.lever.choices = _options(Lever.labels(), everything)
        self.subject.choices = _options(Subject.labels(), everything)
        self.owner_id.choices = _options({str(u.id): u.name for u in members}, everything)
        sorts = {
            "score": _l("Score"),
            "score-asc": _l("Score, lowest first"),
            "rice": _l("RICE"),
            "rice-asc": _l("RICE, lowest first"),
            "newest": _l("Newest"),
            "oldest": _l("Oldest"),
            "title": _l("Title"),
            "title-desc": _l("Title, Z to A"),
            "status": _l("Status"),
            "status-desc": _l("Status, last stage first"),
            "owner": _l("Owner"),
            "owner-desc": _l("Owner, Z to A"),
        }
        if not rice:
            del sorts["rice"], sorts["rice-asc"]
        self.sort.choices = _options(sorts)

    def criteria(self) -> dict[str, Any]:
        """Return the valid filters as list_hypotheses arguments (invalid ones are dropped)."""
        out: dict[str, Any] = {}
        for name in ("status", "stage", "lever", "subject", "sort", "q"):
            if self[name].data and not self[name].errors:
                out[name] = self[name].data
        owner = self.owner_id.data
        if owner and not self.owner_id.errors:
            out["owner_id"] = int(owner)
        return out
