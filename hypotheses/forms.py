"""Shared form pieces: strict number fields, the confirm form, domain-error mapping."""

from __future__ import annotations

import re

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    Field,
    FieldList,
    FloatField,
    Form,
    FormField,
    IntegerField,
    PasswordField,
    StringField,
)
from wtforms.form import BaseForm
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from hypotheses.domain.core.errors import DomainError
from hypotheses.domain.core.numbers import (
    INT32_MAX,
    INT32_MIN,
    NumberError,
    is_blank,
    parse_int,
    parse_number,
)


def _read_number(field: Field, valuelist: list, parse) -> None:
    """Set *field*'s data from the request with *parse* (None when blank); a refusal becomes
    the field's error."""
    field.raw_data = valuelist
    field.data = None
    if not valuelist or is_blank(valuelist[0]):
        return
    try:
        field.data = parse(valuelist[0])
    except NumberError as error:
        raise ValueError(error.message) from None


class StrictIntegerField(IntegerField):
    """An integer field read by the one number parser (``16 000`` accepted, NaN, ``1_000``
    and non-ASCII digits refused), range-checked where it enters (the database's INTEGER range
    unless *minimum*/*maximum* say otherwise)."""

    def __init__(self, *args, minimum: int = INT32_MIN, maximum: int = INT32_MAX, **kwargs):
        super().__init__(*args, **kwargs)
        self.minimum, self.maximum = minimum, maximum

    def process_formdata(self, valuelist):
        _read_number(
            self, valuelist, lambda raw: parse_int(raw, minimum=self.minimum, maximum=self.maximum)
        )


class StrictFloatField(FloatField):
    """A decimal field read by the one number parser: ``0,05``, ``16 000``; with *percent*,
    a trailing ``%`` too. NaN, infinities, ``1_000`` and non-ASCII digits are refused."""

    def __init__(self, *args, percent: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.percent = percent

    def process_formdata(self, valuelist):
        _read_number(self, valuelist, lambda raw: parse_number(raw, percent=self.percent))


def strip_filter(value):
    """Trim surrounding whitespace from text input."""
    return value.strip() if isinstance(value, str) else value


# NUL and the other C0 control characters and DEL; tabs and line breaks are text.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_CHARS_MESSAGE = _l("Remove control characters from this field.")


def has_control_chars(value: object) -> bool:
    """True for text holding NUL or another control character (tabs and newlines are fine)."""
    return isinstance(value, str) and CONTROL_CHARS.search(value) is not None


def no_control_chars(_form, field: Field) -> None:
    """Refuse NUL and other control characters (except newlines and tabs)."""
    if has_control_chars(field.data):
        raise ValidationError(CONTROL_CHARS_MESSAGE)


def refuse_control_chars(form: BaseForm) -> bool:
    """Put the control-characters message on every field whose typed input holds one (rows of
    a FieldList included); return False when any did. Checks what was sent, whatever the field's
    kind, so a NUL never reaches a query (PostgreSQL refuses it in text: a 500)."""
    clean = True
    for field in fields_by_name(form).values():
        if isinstance(field, FieldList | FormField):
            continue
        if any(has_control_chars(value) for value in field.raw_data or ()):
            clean = False
            if not field.errors:  # a number or choice field may already have said why
                field.errors = [CONTROL_CHARS_MESSAGE]
    return clean


class AppForm(FlaskForm):
    """The base of every form of the app: a field whose input holds NUL or another control
    character is refused with a message next to it."""

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return refuse_control_chars(self) and valid


def query_text(name: str = "q", max_length: int = 200) -> tuple[str, str | None]:
    """A search text from the query string: trimmed and cut to *max_length*. Text holding a
    control character is not searched for: return ("", the message to show by the field)."""
    value = request.args.get(name, "", type=str)
    if has_control_chars(value):
        return "", str(CONTROL_CHARS_MESSAGE)
    return value.strip()[:max_length], None


def new_password_field(label, **kwargs) -> PasswordField:
    """A field for a new password: 8 to 128 characters; the browser may offer to make one."""
    return PasswordField(
        label,
        validators=[DataRequired(), Length(min=8, max=128)],
        render_kw={"autocomplete": "new-password"},
        **kwargs,
    )


def repeat_password_field(label, other: str) -> PasswordField:
    """The new password typed again; it must equal the field named *other*."""
    return PasswordField(
        label,
        validators=[DataRequired(), EqualTo(other, _l("The passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


class ConfirmForm(AppForm):
    """An empty form: a state-changing button that still carries a CSRF token."""


class ReasonForm(AppForm):
    """A button with a short reason (reject, stop)."""

    reason = StringField(_l("Reason"), filters=[strip_filter])


def apply_domain_error(
    form: BaseForm, error: DomainError, aliases: dict[str, str | None] | None = None
) -> bool:
    """The one bridge from a domain error to a form: put each of the error's messages next to
    its field (found by name, rows of a FieldList included; *aliases* maps a domain name to
    the form's, or to None to skip it). Return False when no field matched (then the caller
    flashes the message)."""
    fields = fields_by_name(form)
    placed = False
    for name, messages in error.fields.items():
        target = (aliases or {}).get(name, name)
        field = fields.get(target) if target else None
        if field is not None:
            field.errors = list(field.errors) + list(messages)
            placed = True
    return placed


def fields_by_name(form: BaseForm) -> dict[str, Field]:
    """Return the form's fields by short name, and the fields of its rows by their HTML name."""
    found: dict[str, Field] = {}
    for field in form:
        found[field.short_name] = field
        entries = field.entries if isinstance(field, FieldList) else [field]
        for entry in entries:
            if isinstance(entry, FormField):
                found.update({sub.name: sub for sub in entry.form})
            elif entry is not field:
                found[entry.name] = entry
    return found


def flat_errors(form: BaseForm) -> dict[str, list[str]]:
    """Return the form's errors as {field name: messages}, row fields by their HTML name."""
    return {
        name: [str(m) for m in field.errors]
        for name, field in fields_by_name(form).items()
        if field.errors and not isinstance(field, FieldList | FormField)
    }


class RowForm(Form):
    """One row of a ``FieldList(FormField(...))`` whose fields keep flat HTML names.

    A field ``visitors`` of row 2 is named ``visitors_2`` (not WTForms' ``rows-2-visitors``):
    the names the domain's errors use (``conversions_1``), the page's script and saved links
    keep working, and ``apply_domain_error`` finds each row's fields by them.
    """

    class Meta:
        def bind_field(self, form, unbound_field, options):
            index = options["prefix"].rstrip("-").rsplit("-", 1)[-1]
            options = {**options, "prefix": "", "name": f"{options['name']}_{index}"}
            return unbound_field.bind(form=form, **options)


def row_list(row: type[RowForm], count: int) -> FieldList:
    """A list of exactly *count* rows of *row* (filled from the request or from data)."""
    return FieldList(FormField(row), min_entries=count, max_entries=count)


def distinct_ids(form: FlaskForm, prefix: str) -> FlaskForm:
    """Give *form*'s fields the HTML ids ``<prefix>-<name>`` (names unchanged).

    Several forms can then share a page without duplicate ids ("csrf_token", "submit"),
    and every label still points at its own input.
    """
    for field in form:
        field.id = f"{prefix}-{field.name}"
        field.label.field_id = field.id
    return form
