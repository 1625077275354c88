"""Forms of the data sources, a test's SQL setup and KPI queries."""

from __future__ import annotations

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


class SetupForm(AppForm):
    source_id = SelectField(_l("Data source"), choices=[], validate_choice=False)
    assignment_sql = TextAreaField(
        _l("Assignment query"),
        validators=[Length(max=20000)],
        render_kw={"rows": 5, "spellcheck": "false", "class": "form-control font-monospace"},
    )
    days = StrictIntegerField(
        _l("Attribution window (days)"),
        default=7,
        description=_l("Events count from a user's first exposure up to this many days later."),
    )


class KpiQueryForm(AppForm):
    source_id = SelectField(_l("Data source"), choices=[], validate_choice=False)
    source_query = TextAreaField(
        _l("KPI query"),
        validators=[Length(max=20000)],
        render_kw={"rows": 4, "spellcheck": "false", "class": "form-control font-monospace"},
    )


class OverrideForm(AppForm):
    value = StringField(_l("Value"), filters=[strip_filter], validators=[Length(max=40)])
    reason = StringField(
        _l("Reason"), filters=[strip_filter], validators=[Length(max=500), no_control_chars]
    )
