"""What the test forms share: trimmed text with a length limit, options from labels, and the
base of a form posted on a test's page."""

from __future__ import annotations

from typing import Any

from wtforms import StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from hypotheses.forms import AppForm, no_control_chars, strip_filter

TEXT = [strip_filter]


def options(mapping: dict) -> list[SelectChoice]:
    """Return select/radio options from a {value: label} mapping."""
    return [SelectChoice(key, label) for key, label in mapping.items()]


def text_field(
    label: Any, max_length: int, *, optional: bool = False, area: bool = False, **kwargs: Any
) -> StringField:
    """A trimmed text field (a text area with *area*) of at most *max_length* characters,
    refusing control characters; *optional* lets it stay empty."""
    field = TextAreaField if area else StringField
    first = [Optional()] if optional else []
    return field(
        label,
        filters=TEXT,
        validators=[*first, Length(max=max_length), no_control_chars],
        **kwargs,
    )


class ActionForm(AppForm):
    """A form posted on a test's page: *page_key* names it among the page's forms; *sends* are
    the fields handed to the use case, by their names; after it, the page opens at *anchor*."""

    page_key = ""
    anchor: str | None = None
    sends: tuple[str, ...] = ()

    def arguments(self) -> dict[str, Any]:
        """The use case's keyword arguments from this form."""
        return {name: self[name].data for name in self.sends}
