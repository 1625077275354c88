"""The weekly results review: open the week, edit the draft, publish, addenda, read receipts.

One review per team per ISO week. A draft is edited by marketers and leads; a lead
publishes it, after which it is read-only and corrections are dated addenda. Every use case
that changes state validates first, writes an audit entry and commits once at the end; on a
refusal it rolls back and raises a DomainError (nothing half-saved). The agenda lives in
``agenda``, decisions in ``decisions``, the Markdown export in ``export``.
"""

from __future__ import annotations

import re
from datetime import date

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, select

from hypotheses.domain.core import audit
from hypotheses.domain.core.errors import Conflict, DomainError, Forbidden, StaleVersion
from hypotheses.domain.core.roles import role_of
from hypotheses.domain.core.transaction import write_lock
from hypotheses.domain.core.weeks import iso_week_of, normalise_week
from hypotheses.domain.notifications import tell
from hypotheses.domain.reviews.queries import (
    decision_range_warning,
    decisions_of,
    has_read,
)
from hypotheses.enums import ReviewStatus
from hypotheses.models import (
    Review,
    ReviewAddendum,
    ReviewRead,
    Team,
    User,
    utcnow,
)

ENTITY = "review"
PUBLISHERS = ("lead", "admin")
MAX_ATTENDEES = 2000
MAX_NOTES = 20000
MAX_ADDENDUM = 2000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# ---------------------------------------------------------------- changing


def require_draft(review: Review) -> None:
    """Refuse changes to a published review."""
    if review.status != ReviewStatus.DRAFT:
        raise Conflict(_("This review is published and read-only. Corrections go in an addendum."))


def open_review(
    session: Session,
    *,
    team: Team,
    actor: User,
    iso_week: str | None = None,
    today: date | None = None,
) -> Review:
    """Open the team's review for *iso_week* (default: this week) as a draft.

    :raises Conflict: the week already has a review (``details["existing_id"]``, ``["iso_week"]``).
    :raises DomainError: a malformed week, or a week in the future.
    """
    write_lock(session)
    week = normalise_week(iso_week) if iso_week else iso_week_of(today)
    if week > iso_week_of(today):
        raise DomainError(
            _(
                "%(week)s has not started yet; open a review for this week or an earlier one.",
                week=week,
            ),
            field="iso_week",
        )
    existing = session.exec(
        select(Review).where(Review.team_id == team.id, Review.iso_week == week)
    ).first()
    if existing is not None:
        raise Conflict(
            _("The review for %(week)s is already open.", week=week),
            existing_id=existing.id,
            iso_week=week,
        )
    review = Review(team_id=team.id, iso_week=week, opened_by_id=actor.id)
    session.add(review)
    try:
        session.flush()
    except IntegrityError:  # a concurrent request opened it first
        session.rollback()
        existing = session.exec(
            select(Review).where(Review.team_id == team.id, Review.iso_week == week)
        ).one()
        raise Conflict(
            _("The review for %(week)s is already open.", week=week),
            existing_id=existing.id,
            iso_week=week,
        ) from None
    changes = {"iso_week": [None, week]}
    audit.log(
        session, ENTITY, review, "review.open", actor, changes=changes, version=review.version
    )
    session.commit()
    return review


def _clean_text(value: object, *, field: str, limit: int, label: str) -> str:
    if not isinstance(value, str):
        value = ""
    value = value.replace("\r\n", "\n").strip()
    if len(value) > limit:
        raise DomainError(
            _("%(label)s: use at most %(n)d characters.", label=label, n=limit), field=field
        )
    if _CONTROL.search(value):
        raise DomainError(_("Remove control characters from this field."), field=field)
    return value


def _stale(session: Session, review: Review, version: int) -> StaleVersion:
    message = _(
        "Someone else saved this review after you opened it. Nothing was saved; check their "
        "changes and try again."
    )
    return audit.stale(session, ENTITY, review, message, since=version)


def update_details(
    session: Session,
    *,
    team: Team,
    actor: User,
    review: Review,
    attendees: str,
    notes: str,
    version: int,
) -> dict[str, list]:
    """Save attendees and notes of a draft; refuse a form loaded from an older version.

    :raises StaleVersion: *version* is not the review's current version (with what changed).
    """
    write_lock(session)
    require_draft(review)
    if isinstance(version, bool) or not isinstance(version, int):
        raise DomainError(
            _("The form lost track of which version you edited. Reload the page."), field="version"
        )
    attendees = _clean_text(attendees, field="attendees", limit=MAX_ATTENDEES, label=_("Attendees"))
    notes = _clean_text(notes, field="notes", limit=MAX_NOTES, label=_("Notes"))
    if version != review.version:
        raise _stale(session, review, version)
    changes = audit.diff(
        {"attendees": review.attendees, "notes": review.notes},
        {"attendees": attendees, "notes": notes},
    )
    if not changes:
        return {}
    review.attendees, review.notes = attendees, notes
    session.add(review)
    try:
        session.flush()  # bumps the version; a concurrent writer makes this fail
    except StaleDataError:
        session.rollback()
        session.refresh(review)
        raise _stale(session, review, version) from None
    audit.log(
        session, ENTITY, review, "review.details", actor, changes=changes, version=review.version
    )
    session.commit()
    return changes


def publish(
    session: Session, *, team: Team, actor: User, review: Review, reason: object = None
) -> list[str]:
    """Publish a draft (leads only; counts as read by them); return warnings (decision count,
    missing KPI values). Outside the rules (3–7 decisions, KPI values for 5–12 metrics) the
    lead writes why (*reason*), stored on the review and shown with it.

    :raises Forbidden: the actor is not a lead of the team.
    :raises Conflict: already published, or no decision recorded.
    :raises DomainError: outside the rules without a reason (field "reason").
    """
    write_lock(session)
    from hypotheses.domain.reviews import publishing
    from hypotheses.domain.reviews.kpis import kpi_table

    if role_of(session, team=team, user=actor) not in PUBLISHERS:
        raise Forbidden(_("Only a team lead publishes a review."))
    require_draft(review)
    count = len(decisions_of(session, review=review))
    if count == 0:
        raise Conflict(
            _(
                "Record at least one decision before publishing: a review without "
                "decisions is just pretty charts."
            ),
            field="decisions",
        )
    check = publishing.checklist(session, team=team, review=review)
    text = _clean_text(reason, field="reason", limit=publishing.MAX_REASON, label=_("Reason"))
    if not check.ok and not text:
        raise DomainError(publishing.reason_needed_message(check), field="reason")
    warnings = [w for w in [decision_range_warning(count)] if w]
    missing = kpi_table(session, team=team, review=review).missing
    if missing:
        warnings.append(_("%(n)d tracked metrics have no value this week.", n=missing))
    review.publish_reason = None if check.ok else text
    review.status = ReviewStatus.PUBLISHED
    review.published_at, review.published_by_id = utcnow(), actor.id
    session.add(review)
    try:
        session.flush()
    except StaleDataError:
        session.rollback()
        raise Conflict(
            _("Someone else changed this review at the same moment; reload and try again.")
        ) from None
    reason = review.publish_reason
    changes = {"status": [ReviewStatus.DRAFT, ReviewStatus.PUBLISHED]}
    changes |= {"publish_reason": [None, reason]} if reason else {}
    audit.log(
        session,
        ENTITY,
        review,
        "review.publish",
        actor,
        changes=changes,
        version=review.version,
        note=reason,
    )
    if not has_read(session, review=review, user=actor):  # the publisher has read it
        session.add(ReviewRead(review_id=review.id, user_id=actor.id))
    tell.review_published(session, team=team, review=review, actor=actor)
    session.commit()
    return warnings


def add_addendum(
    session: Session, *, team: Team, actor: User, review: Review, text: str
) -> ReviewAddendum:
    """Add a dated correction to a published review (kept in the audit trail)."""
    write_lock(session)
    if review.status != ReviewStatus.PUBLISHED:
        raise Conflict(_("Addenda are for published reviews; edit the draft directly."))
    text = _clean_text(text, field="text", limit=MAX_ADDENDUM, label=_("Addendum"))
    if not text:
        raise DomainError(_("Write the correction."), field="text")
    addendum = ReviewAddendum(review_id=review.id, text=text, author_id=actor.id)
    session.add(addendum)
    session.flush()
    added = {"addendum": [None, text]}
    audit.log(session, ENTITY, review, "review.addendum", actor, changes=added, note=text[:2000])
    session.commit()
    return addendum


def mark_read(session: Session, *, team: Team, actor: User, review: Review) -> bool:
    """Record that *actor* read the published review; return False if already recorded."""
    write_lock(session)
    if review.status != ReviewStatus.PUBLISHED:
        raise Conflict(_("Only a published review can be marked as read."))
    if role_of(session, team=team, user=actor) is None:
        raise Forbidden(_("Only team members mark a review as read."))
    if has_read(session, review=review, user=actor):
        return False
    session.add(ReviewRead(review_id=review.id, user_id=actor.id))
    try:
        session.flush()
    except IntegrityError:  # the same person clicked twice at once
        session.rollback()
        return False
    audit.log(session, ENTITY, review, "review.read", actor)
    session.commit()
    return True
