"""Forms of the notification screens."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from hypotheses.domain.notifications.events import CHOOSABLE, WEBHOOK_EVENTS
from hypotheses.enums import NotificationChoice, NotificationEvent, WebhookKind
from hypotheses.forms import AppForm, strip_filter

WORKDAYS = (_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"))
# (value, label) from "0" (Monday), as the team's digest_day and review_day count
WEEKDAYS = [(str(n), name) for n, name in enumerate((*WORKDAYS, _l("Saturday"), _l("Sunday")))]


def preferences_form(current: dict[str, str], formdata=None) -> AppForm:
    """One select per event (e-mail now, daily digest, never), set to *current*."""

    class PreferencesForm(AppForm):
        submit = SubmitField(_l("Save"))

    for event in CHOOSABLE:
        options = [SelectChoice(value=v, label=label) for v, label in NotificationChoice.choices()]
        if event == NotificationEvent.WEEKLY_DIGEST:
            options = [o for o in options if o.value != NotificationChoice.DIGEST]
        setattr(PreferencesForm, event.value, SelectField(event.label, choices=options))
    data = {event.value: current.get(event.value) for event in CHOOSABLE}
    return PreferencesForm(formdata=formdata, data=data)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class WebhookForm(AppForm):
    kind = SelectField(_l("Kind"), choices=[])
    name = StringField(_l("Name"), filters=[strip_filter], render_kw={"maxlength": 120})
    target = StringField(
        _l("Address or chat id"),
        filters=[strip_filter],
        description=_l(
            "Signed JSON: the address to post to. Telegram: the chat id. Slack: leave empty."
        ),
    )
    secret = PasswordField(
        _l("Secret"),
        description=_l(
            "Telegram: the bot token. Slack: the incoming webhook address. Signed JSON: the "
            "signing secret (blank: one is made and shown once). Stored encrypted, never shown "
            "again."
        ),
        render_kw={"autocomplete": "off"},
    )
    events = MultiCheckboxField(_l("Events"), choices=[])
    submit = SubmitField(_l("Add webhook"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice(value=v, label=lab) for v, lab in WebhookKind.choices()]
        self.events.choices = [SelectChoice(value=e.value, label=e.label) for e in WEBHOOK_EVENTS]
        if not self.is_submitted():
            self.events.data = [e.value for e in WEBHOOK_EVENTS]


class DaysForm(AppForm):
    digest_day = SelectField(_l("Weekly digest"), choices=[])
    review_day = SelectField(_l("Review day"), choices=[])
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        days = [SelectChoice(value=v, label=label) for v, label in WEEKDAYS]
        self.digest_day.choices = [SelectChoice(value="", label=_l("No weekly digest")), *days]
        self.review_day.choices = [SelectChoice(value="", label=_l("No draft reminder")), *days]
