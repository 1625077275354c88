"""Forms for signing in and managing one's own account."""

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from hypotheses import languages
from hypotheses.forms import (
    AppForm,
    distinct_ids,
    new_password_field,
    no_control_chars,
    repeat_password_field,
    strip_filter,
)

PASSWORD_HELP = _l("At least 8 characters; a long passphrase is best.")
NAME_RULES = [DataRequired(), Length(max=120), no_control_chars]
EMAIL_RULES = [DataRequired(), Length(max=254)]


def your_name_field(**kwargs) -> StringField:
    """One's own name, as the team sees it: required, at most 120 characters."""
    return StringField(_l("Your name"), validators=NAME_RULES, filters=[strip_filter], **kwargs)


def current_password_field(label) -> PasswordField:
    """The password one has now (signing in, changing it)."""
    return PasswordField(
        label,
        validators=[DataRequired(), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )


class LoginForm(AppForm):
    email = EmailField(
        _l("E-mail"),
        validators=EMAIL_RULES,
        filters=[strip_filter],
        render_kw={"autocomplete": "username", "autofocus": True},
    )
    password = current_password_field(_l("Password"))
    submit = SubmitField(_l("Sign in"))


class SetupForm(AppForm):
    team = StringField(_l("Team name"), validators=NAME_RULES, filters=[strip_filter])
    name = your_name_field()
    email = EmailField(_l("E-mail"), validators=EMAIL_RULES, filters=[strip_filter])
    password = new_password_field(_l("Password"), description=PASSWORD_HELP)
    confirm = repeat_password_field(_l("Repeat password"), "password")
    submit = SubmitField(_l("Create admin account"))


class PasswordForm(AppForm):
    current_password = current_password_field(_l("Current password"))
    new_password = new_password_field(_l("New password"), description=PASSWORD_HELP)
    confirm = repeat_password_field(_l("Repeat new password"), "new_password")
    submit = SubmitField(_l("Change password"))


class LanguageForm(AppForm):
    """One's interface language: Russian, English, or whatever the browser asks for."""

    language = SelectField(
        _l("Interface language"),
        description=_l("Dates and numbers follow the language too."),
    )
    submit = SubmitField(_l("Save language"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        distinct_ids(self, "lang")  # it shares the profile page with the password form
        self.language.choices = languages.choices(_l("As the browser asks"))
