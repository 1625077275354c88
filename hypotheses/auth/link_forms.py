"""Forms of the e-mailed links: forgot password, choose a new password, accept an invitation."""

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, SubmitField
from wtforms.validators import DataRequired, Length

from hypotheses.auth.forms import PASSWORD_HELP, your_name_field
from hypotheses.forms import (
    AppForm,
    new_password_field,
    no_control_chars,
    repeat_password_field,
    strip_filter,
)


class ForgotForm(AppForm):
    email = EmailField(
        _l("E-mail"),
        validators=[DataRequired(), Length(max=254), no_control_chars],
        filters=[strip_filter],
        render_kw={"autocomplete": "username", "autofocus": True},
    )
    submit = SubmitField(_l("Send me a link"))


class NewPasswordForm(AppForm):
    password = new_password_field(_l("New password"), description=PASSWORD_HELP)
    confirm = repeat_password_field(_l("Repeat new password"), "password")
    submit = SubmitField(_l("Set password"))


class AcceptInvitationForm(AppForm):
    name = your_name_field(
        description=_l("How your team sees you, and how they @mention you."),
        render_kw={"autocomplete": "name"},
    )
    password = new_password_field(_l("Password"), description=PASSWORD_HELP)
    confirm = repeat_password_field(_l("Repeat password"), "password")
    submit = SubmitField(_l("Create my account"))
