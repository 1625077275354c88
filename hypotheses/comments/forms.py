"""Forms of the comments section and of the team's comment setting."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SubmitField, TextAreaField
from wtforms.validators import Length

from hypotheses.domain.comments.rules import MAX_BODY
from hypotheses.forms import AppForm, no_control_chars


class CommentForm(AppForm):
    """Write or edit a comment (Markdown; @name mentions a team member)."""

    body = TextAreaField(
        _l("Comment"),
        validators=[Length(max=MAX_BODY), no_control_chars],
        description=_l(
            "Markdown: **bold**, *italic*, `code`, [link](https://…), lists. "
            "Type @ to mention someone."
        ),
        render_kw={"rows": 3, "maxlength": MAX_BODY},
    )
    submit = SubmitField(_l("Post comment"))


class CommentSettingForm(AppForm):
    """The team's comment setting (leads and admins)."""

    viewers_may_comment = BooleanField(
        _l("Viewers may comment"),
        description=_l("Off by default: only marketers, leads and admins comment."),
        render_kw={"description_class": "d-block"},
    )
    submit = SubmitField(_l("Save comment setting"))
