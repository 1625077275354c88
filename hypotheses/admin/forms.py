"""Forms for the admin screens (users, teams, memberships) and the team settings."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from hypotheses import languages
from hypotheses.domain.experiments.impact import CURRENCIES
from hypotheses.enums import EarlyLookMethod, Role, ScoreFormula
from hypotheses.forms import (
    AppForm,
    StrictIntegerField,
    new_password_field,
    no_control_chars,
    repeat_password_field,
    strip_filter,
)

NAME_RULES = [DataRequired(), Length(max=120), no_control_chars]
EMAIL_RULES = [DataRequired(), Length(max=254), no_control_chars]


def _role_choices() -> list[tuple[str, str]]:
    return Role.choices()


class _TeamAndRole(AppForm):
    """A form choosing one of *teams* and a role (its fields ``team`` and ``role``)."""

    def __init__(self, *args, teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.team.choices = [(t.id, t.name) for t in teams]
        self.role.choices = _role_choices()


class NewUserForm(_TeamAndRole):
    """Create a user with an initial password and a first team role."""

    name = StringField(_l("Name"), validators=NAME_RULES, filters=[strip_filter])
    email = EmailField(_l("E-mail"), validators=EMAIL_RULES, filters=[strip_filter])
    password = new_password_field(
        _l("Initial password"),
        description=_l(
            "At least 8 characters. Give it to the person privately; "
            "they can change it on their profile page."
        ),
    )
    team = SelectField(_l("Team"), coerce=int, validators=[InputRequired()])
    role = SelectField(_l("Role in this team"), validators=[DataRequired()])
    submit = SubmitField(_l("Create user"))


class UserForm(AppForm):
    """Edit a user's name and e-mail."""

    name = StringField(_l("Name"), validators=NAME_RULES, filters=[strip_filter])
    email = EmailField(_l("E-mail"), validators=EMAIL_RULES, filters=[strip_filter])
    submit = SubmitField(_l("Save"))


class MembershipForm(_TeamAndRole):
    """Add the user to a team with a role."""

    team = SelectField(_l("Team"), coerce=int, validators=[InputRequired()])
    role = SelectField(_l("Role"), validators=[DataRequired()])
    submit = SubmitField(_l("Add to team"))


class InviteForm(_TeamAndRole):
    """Invite an address into a team with a role."""

    email = EmailField(_l("E-mail"), validators=EMAIL_RULES, filters=[strip_filter])
    team = SelectField(_l("Team"), coerce=int, validators=[InputRequired()])
    role = SelectField(_l("Role in this team"), validators=[DataRequired()])
    submit = SubmitField(_l("Send invitation"))


class RoleForm(AppForm):
    """Change the user's role in one team."""

    role = SelectField(_l("Role"), validators=[DataRequired()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = _role_choices()


class ResetPasswordForm(AppForm):
    """Set a new password for someone who lost theirs."""

    new_password = new_password_field(_l("New password"))
    confirm = repeat_password_field(_l("Repeat new password"), "new_password")
    submit = SubmitField(_l("Set password"))


class TeamForm(AppForm):
    """Create a team."""

    name = StringField(_l("Team name"), validators=NAME_RULES, filters=[strip_filter])
    join = BooleanField(_l("Add me to this team as admin"), default=True)
    submit = SubmitField(_l("Create team"))


class RenameTeamForm(AppForm):
    """Rename a team."""

    name = StringField(_l("New name"), validators=NAME_RULES, filters=[strip_filter])
    submit = SubmitField(_l("Rename"))


class SettingsForm(AppForm):
    """The team's settings (lead and admin)."""

    backlog_min = StrictIntegerField(
        _l("Backlog minimum"),
        validators=[InputRequired(), NumberRange(min=0, max=500)],
        description=_l("Below this many hypotheses the backlog asks the team for more ideas."),
    )
    backlog_max = StrictIntegerField(
        _l("Backlog maximum"),
        validators=[InputRequired(), NumberRange(min=1, max=500)],
        description=_l(
            "At this many, new hypotheses wait as ideas until something leaves the backlog."
        ),
    )
    active_test_limit = SelectField(
        _l("Tests running at once"),
        coerce=int,
        choices=[SelectChoice(value=n, label=str(n)) for n in (1, 2, 3)],
        description=_l("Starting another test is refused while this many are running."),
    )
    score_formula = RadioField(
        _l("ICE score formula"),
        validators=[DataRequired()],
        description=_l("How Impact, Confidence and Ease (each 1–10) combine into one score."),
    )
    rice_enabled = BooleanField(
        _l("Also score with RICE"),
        description=_l("Adds Reach and Effort fields: Reach × Impact × Confidence / Effort."),
        render_kw={"description_class": "d-block"},
    )
    allow_self_approval = BooleanField(
        _l("Authors may approve their own hypotheses"),
        description=_l("Off by default: a second person approving catches more weak ideas."),
        render_kw={"description_class": "d-block"},
    )
    default_language = SelectField(
        _l("Language for new members"),
        choices=languages.choices(_l("As each member's browser asks")),
        default="",  # absent from a post: no default language
        description=_l(
            "Given to people added to the team who have not chosen a language; "
            "everyone can change theirs on their profile page."
        ),
    )
    early_look_method = RadioField(
        _l("Early looks at running tests"),
        validators=[DataRequired()],
        description=_l(
            "How results entered before the planned sample is reached are judged. Each analysis "
            "records the method it used."
        ),
    )
    currency = SelectField(
        _l("Currency"),
        choices=[],
        validate_choice=False,
        description=_l("What tests are worth (projected monthly impact) is stated in it."),
    )
    # The values the form was loaded with: a save over someone else's newer save is refused.
    loaded = HiddenField()
    submit = SubmitField(_l("Save settings"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.score_formula.choices = ScoreFormula.choices()
        self.early_look_method.choices = EarlyLookMethod.choices()
        names = {
            "RUB": _l("Russian rouble"),
            "USD": _l("US dollar"),
            "EUR": _l("Euro"),
            "KZT": _l("Kazakh tenge"),
        }
        self.currency.choices = [
            (code, f"{names.get(code, code)} ({sign})") for code, sign in CURRENCIES.items()
        ]
