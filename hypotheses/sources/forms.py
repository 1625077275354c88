"""Forms of the data sources, a test's SQL setup and KPI queries."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from hypotheses.domain.sources.engines import KINDS
from hypotheses.forms import AppForm, StrictIntegerField, no_control_chars, strip_filter


class SourceForm(AppForm):
    name = StringField(
        _l("Name"), filters=[strip_filter], validators=[Length(max=80), no_control_chars]
    )
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k, label) for k, label in KINDS.items()])
    connection = PasswordField(_l("Connection"), validators=[Optional(), Length(max=2000)])
    timeout_s = StrictIntegerField(_l("Timeout (seconds)"), default=30)
    max_rows = StrictIntegerField(_l("Row limit"), default=1000)


def _sql_field(label: Any, *, rows: int) -> TextAreaField:
    """A query's text box: monospaced, no spelling check, at most 20,000 characters."""
    return TextAreaField(
        label,
        validators=[Length(max=20000)],
        render_kw={"rows": rows, "spellcheck": "false", "class": "form-control font-monospace"},
    )


class SetupForm(AppForm):
    source_id = SelectField(_l("Data source"), choices=[], validate_choice=False)
    assignment_sql = _sql_field(_l("Assignment query"), rows=5)
    days = StrictIntegerField(
        _l("Attribution window (days)"),
        default=7,
        description=_l("Events count from a user's first exposure up to this many days later."),
    )


class KpiQueryForm(AppForm):
    source_id = SelectField(_l("Data source"), choices=[], validate_choice=False)
    source_query = _sql_field(_l("KPI query"), rows=4)


class OverrideForm(AppForm):
    value = StringField(_l("Value"), filters=[strip_filter], validators=[Length(max=40)])
    reason = StringField(
        _l("Reason"), filters=[strip_filter], validators=[Length(max=500), no_control_chars]
    )
