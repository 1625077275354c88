"""Shared form pieces: strict number fields, the confirm form, domain-error mapping."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, FloatField, IntegerField, StringField
from wtforms.validators import ValidationError

from hypotheses.domain.core.errors import DomainError
from hypotheses.domain.core.numbers import (
    INT32_MAX,
    INT32_MIN,
    NumberError,
    is_blank,
    parse_int,
    parse_number,
)


class StrictIntegerField(IntegerField):
    """An integer field read by the one number parser (``16 000`` accepted, NaN, ``1_000``
    and non-ASCII digits refused), range-checked where it enters (the database's INTEGER range
    unless *minimum*/*maximum* say otherwise)."""

    def __init__(self, *args, minimum: int = INT32_MIN, maximum: int = INT32_MAX, **kwargs):
        super().__init__(*args, **kwargs)
        self.minimum, self.maximum = minimum, maximum

    def process_formdata(self, valuelist):
        self.raw_data = valuelist
        self.data = None
        if not valuelist or is_blank(valuelist[0]):
            return
        try:
            self.data = parse_int(valuelist[0], minimum=self.minimum, maximum=self.maximum)
        except NumberError as error:
            raise ValueError(error.message) from None


class StrictFloatField(FloatField):
    """A decimal field read by the one number parser: ``0,05``, ``16 000``; with *percent*,
    a trailing ``%`` too. NaN, infinities, ``1_000`` and non-ASCII digits are refused."""

    def __init__(self, *args, percent: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.percent = percent

    def process_formdata(self, valuelist):
        self.raw_data = valuelist
        self.data = None
        if not valuelist or is_blank(valuelist[0]):
            return
        try:
            self.data = parse_number(valuelist[0], percent=self.percent)
        except NumberError as error:
            raise ValueError(error.message) from None


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
