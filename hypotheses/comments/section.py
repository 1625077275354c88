"""The comments section every commented page includes: ``{{ comments_section(kind, record) }}``."""

from __future__ import annotations

from flask import g, render_template, url_for
from flask_login import current_user
from markupsafe import Markup

from hypotheses.comments.forms import CommentForm
from hypotheses.db import get_session
from hypotheses.domain.comments import lifecycle, rules
from hypotheses.domain.comments.lifecycle import Target
from hypotheses.domain.comments.markdown import render
from hypotheses.domain.core.errors import NotFound
from hypotheses.forms import ConfirmForm


def target_url(target: Target) -> str:
    """The path of the page *target* is shown on."""
    if target.kind == "hypothesis":
        return url_for("backlog.detail", hypothesis_id=target.id)
    if target.kind == "experiment":
        return url_for("experiments.detail", experiment_id=target.id)
    return url_for("reviews.show", iso_week=target.iso_week)


def section_context(target: Target, form: CommentForm | None = None) -> dict:
    """What the section template shows: the comments (rendered), their rights, the form."""
    db, team, user = get_session(), g.team, current_user._get_current_object()
    people = lifecycle.members(db, team=team)
    items = []
    for comment, author in lifecycle.list_comments(db, team=team, target=target):
        html, _mentioned = render(comment.body, people)
        items.append(
            {
                "comment": comment,
                "author": author,
                "html": Markup(html),  # sanitized by nh3 (domain.comments.markdown)
                "may_edit": rules.may_edit(comment, user),
                "may_delete": rules.may_delete(comment, user, g.role),
            }
        )
    may_comment = rules.may_comment(team, g.role)
    if form is None and may_comment:
        form = CommentForm(formdata=None)
    return {
        "target": target,
        "items": items,
        "form": form,
        "confirm": ConfirmForm(formdata=None),
        "may_comment": may_comment,
        "edit_minutes": rules.EDIT_MINUTES,
    }


def comments_section(kind: str, record) -> Markup:
    """Render the comments section of *record* (a hypothesis, an experiment or a review)."""
    if record is None or getattr(g, "team", None) is None:
        return Markup("")
    try:
        target = lifecycle.get_target(
            get_session(), team=g.team, kind=kind, target_id=record.id, role=g.role
        )
    except NotFound:  # not this team's, or not visible to this role: no section
        return Markup("")
    return Markup(render_template("comments/_section.html", **section_context(target)))
