"""Comment use cases: post, edit, delete (each audited), list, and the viewers' setting.

Posting or editing notifies the members newly mentioned (NotificationEvent.MENTIONED) in the
same transaction, through the notification outbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlmodel import Session, col, select

from hypotheses.domain.comments import rules
from hypotheses.domain.comments.markdown import Member, mentions
from hypotheses.domain.core import audit
from hypotheses.domain.core.errors import Forbidden, NotFound
from hypotheses.domain.core.transaction import write_lock
from hypotheses.domain.notifications import events
from hypotheses.domain.reviews.queries import may_see_drafts
from hypotheses.enums import NotificationEvent, ReviewStatus
from hypotheses.models import Comment, Experiment, Hypothesis, Membership, Review, Team, User

EXCERPT = 300
ENTITY = "comment"


@dataclass(frozen=True)
class Target:
    """What a comment is about: a hypothesis, a test (experiment) or a weekly review."""

    kind: str
    id: int
    title: str
    iso_week: str | None = None


def get_target(session: Session, *, team: Team, kind: str, target_id: int, role: str | None):
    """Return the team's commented record as a Target; NotFound when missing or not visible
    to *role* (a viewer does not see draft reviews)."""
    missing = NotFound(_("This page does not exist."))
    if kind == "hypothesis":
        row = session.get(Hypothesis, target_id)
        if row is None or row.team_id != team.id:
            raise missing
        return Target(kind, row.id, row.title)
    if kind == "experiment":
        row = session.get(Experiment, target_id)
        if row is None or row.team_id != team.id:
            raise missing
        hypothesis = session.get(Hypothesis, row.hypothesis_id)
        return Target(kind, row.id, hypothesis.title if hypothesis else "")
    if kind == "review":
        row = session.get(Review, target_id)
        if row is None or row.team_id != team.id:
            raise missing
        if row.status != ReviewStatus.PUBLISHED and not may_see_drafts(role):
            raise missing
        return Target(kind, row.id, _("Weekly review %(week)s", week=row.iso_week), row.iso_week)
    raise missing


def members(session: Session, *, team: Team) -> list[Member]:
    """Return the team's active members, by name (who can be mentioned)."""
    rows = session.exec(
        select(User.id, User.name, User.email)
        .join(Membership, col(Membership.user_id) == col(User.id))
        .where(Membership.team_id == team.id, col(User.is_active).is_(True))
        .order_by(User.name)
    ).all()
    return [Member(uid, name, email) for uid, name, email in rows]


def list_comments(session: Session, *, team: Team, target: Target) -> list[tuple[Comment, User]]:
    """Return the target's comments, oldest first, each with its author (None if removed)."""
    rows = session.exec(
        select(Comment, User)
        .join(User, col(User.id) == col(Comment.author_id), isouter=True)
        .where(
            Comment.team_id == team.id,
            Comment.target_kind == target.kind,
            Comment.target_id == target.id,
        )
        .order_by(col(Comment.created_at), col(Comment.id))
    ).all()
    return [(comment, author) for comment, author in rows]


def get_comment(session: Session, *, team: Team, comment_id: int) -> Comment:
    """Return the team's comment or raise NotFound."""
    comment = session.get(Comment, comment_id)
    if comment is None or comment.team_id != team.id:
        raise NotFound(_("This comment does not exist (it may have been deleted)."))
    return comment


def _excerpt(body: str) -> str:
    text = " ".join(body.split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


def _notify(session, *, team, target, comment, author, link, ids) -> None:
    if not ids:
        return
    events.notify(
        session,
        NotificationEvent.MENTIONED,
        team_id=team.id,
        recipients=ids,
        context={
            "title": target.title,
            "path": f"{link}#comment-{comment.id}",
            "excerpt": _excerpt(comment.body),
        },
        actor_id=author.id,
    )


def _note(target: Target) -> str:
    return f"{target.kind}:{target.id}"


def add_comment(
    session: Session,
    *,
    team: Team,
    target: Target,
    author: User,
    role: str | None,
    body: str,
    link: str,
) -> Comment:
    """Post a comment on *target* and notify the members it mentions. Commits.

    *link* is the target page's path (for the notification's link).
    """
    if not rules.may_comment(team, role):
        raise Forbidden(_("Viewers cannot comment in this team."))
    body = rules.clean_body(body)
    write_lock(session)
    comment = Comment(
        team_id=team.id,
        target_kind=target.kind,
        target_id=target.id,
        author_id=author.id,
        body=body,
        created_at=datetime.now(UTC),
    )
    session.add(comment)
    session.flush()
    changes = audit.created({"body": body})
    audit.log(
        session, ENTITY, comment, "comment.create", author, changes=changes, note=_note(target)
    )
    ids = mentions(body, members(session, team=team))
    _notify(session, team=team, target=target, comment=comment, author=author, link=link, ids=ids)
    session.commit()
    return comment


def edit_comment(
    session: Session,
    *,
    team: Team,
    target: Target,
    comment: Comment,
    user: User,
    body: str,
    link: str,
) -> bool:
    """Change one's own comment within the edit window; notify members newly mentioned.
    Returns whether it changed. Commits."""
    if comment.author_id != user.id:
        raise Forbidden(_("Only the author can edit a comment."))
    if not rules.may_edit(comment, user):
        raise Forbidden(
            _("A comment can be edited for %(n)d minutes after posting.", n=rules.EDIT_MINUTES)
        )
    body = rules.clean_body(body)
    write_lock(session)
    if body == comment.body:
        return False
    people = members(session, team=team)
    before = set(mentions(comment.body, people))
    changes = {"body": [comment.body, body]}
    audit.log(session, ENTITY, comment, "comment.edit", user, changes=changes, note=_note(target))
    comment.body, comment.edited_at = body, datetime.now(UTC)
    session.add(comment)
    added = [uid for uid in mentions(body, people) if uid not in before]
    _notify(session, team=team, target=target, comment=comment, author=user, link=link, ids=added)
    session.commit()
    return True


def delete_comment(
    session: Session, *, team: Team, target: Target, comment: Comment, user: User, role: str | None
) -> None:
    """Delete a comment (its author, or a lead or admin); the audit entry keeps its text.
    Commits."""
    if not rules.may_delete(comment, user, role):
        raise Forbidden(_("Only the author or a team lead can delete this comment."))
    write_lock(session)
    changes = {"body": [comment.body, None]}
    audit.log(session, ENTITY, comment, "comment.delete", user, changes=changes, note=_note(target))
    session.delete(comment)
    session.commit()


def target_of(session: Session, *, team: Team, comment: Comment, role: str | None) -> Target:
    """Return the Target *comment* belongs to (NotFound when *role* may not see it)."""
    return get_target(
        session, team=team, kind=comment.target_kind, target_id=comment.target_id, role=role
    )


def set_viewers_may_comment(session: Session, *, team: Team, allowed: bool, actor: User) -> bool:
    """Let the team's viewers comment, or not (a team setting, audited). Returns whether it
    changed. Commits."""
    write_lock(session)
    values = {"viewers_may_comment": bool(allowed)}
    changes = audit.apply_changes(
        session, team, values, team_id=team.id, entity="team", action="team.settings", actor=actor
    )
    if changes:
        session.commit()
    return bool(changes)
