"""Shared form pieces: strict number fields, the confirm form, domain-error mapping."""

from __future__ import annotations

import math
import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, FloatField, IntegerField, StringField
from wtforms.validators import ValidationError

from hypotheses.domain.core.errors import DomainError

# ASCII digits only: WTForms would otherwise accept "1_000", "nan", "inf" and "१२".
_INT = re.compile(r"^\s*-?[0-9]{1,12}\s*$")
_FLOAT = re.compile(r"^\s*-?[0-9]{1,15}([.,][0-9]{1,15})?([eE][-+]?[0-9]{1,3})?\s*$")


class StrictIntegerField(IntegerField):
    """An integer field that accepts only plain ASCII digits."""

    def process_formdata(self, valuelist):
        if not valuelist or valuelist[0].strip() == "":
            self.data = None
            self.raw_data = valuelist
            return
        raw = valuelist[0]
        self.raw_data = valuelist
        if not _INT.match(raw):
            self.data = None
            raise ValueError(_l("Enter a whole number, like 7."))
        self.data = int(raw)


class StrictFloatField(FloatField):
    """A decimal field that refuses NaN, infinities, '1_000' and non-ASCII digits."""

    def process_formdata(self, valuelist):
        if not valuelist or valuelist[0].strip() == "":
            self.data = None
            self.raw_data = valuelist
            return
        raw = valuelist[0]
        self.raw_data = valuelist
        if not _FLOAT.match(raw):
            self.data = None
            raise ValueError(_l("Enter a number, like 0.05."))
        value = float(raw.replace(",", "."))
        if not math.isfinite(value):
            self.data = None
            raise ValueError(_l("Enter a finite number."))
        self.data = value


def strip_filter(value):
    """Trim surrounding whitespace from text input."""
    return value.strip() if isinstance(value, str) else value


def no_control_chars(_form, field: Field) -> None:
    """Refuse NUL and other control characters (except newlines and tabs)."""
    if isinstance(field.data, str) and re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", field.data):
        raise ValidationError(_l("Remove control characters from this field."))


class ConfirmForm(FlaskForm):
    """An empty form: a state-changing button that still carries a CSRF token."""


class ReasonForm(FlaskForm):
    """A button with a short reason (reject, stop)."""

    reason = StringField(_l("Reason"), filters=[strip_filter])


def apply_domain_error(form: FlaskForm, error: DomainError) -> bool:
    """Put a domain error next to its field; return False when no field matched."""
    placed = False
    for name, messages in error.fields.items():
        field = getattr(form, name, None)
        if isinstance(field, Field):
            field.errors = list(field.errors) + list(messages)
            placed = True
    return placed


def distinct_ids(form: FlaskForm, prefix: str) -> FlaskForm:
    """Give *form*'s fields the HTML ids ``<prefix>-<name>`` (names unchanged).

    Several forms can then share a page without duplicate ids ("csrf_token", "submit"),
    and every label still points at its own input.
    """
    for field in form:
        field.id = f"{prefix}-{field.name}"
        field.label.field_id = field.id
    return form
