"""Reading weekly reviews: one week's review, the archive with decision counts, read receipts.

Read-only functions: they never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlmodel import Session, col, func, select

from hypotheses.domain.core.errors import DomainError, NotFound
from hypotheses.domain.core.weeks import normalise_week
from hypotheses.enums import ReviewStatus
from hypotheses.models import (
    Membership,
    Review,
    ReviewAddendum,
    ReviewDecision,
    ReviewRead,
    Team,
    User,
    utcnow,
)
from hypotheses.permissions import role_can

DECISIONS_MIN, DECISIONS_MAX = 3, 7


def get_review(session: Session, *, team: Team, iso_week: str) -> Review:
    """Return the team's review for *iso_week*; NotFound if none (or the week is malformed)."""
    try:
        week = normalise_week(iso_week)
    except DomainError as error:
        raise NotFound(error.message) from None
    review = session.exec(
        select(Review).where(Review.team_id == team.id, Review.iso_week == week)
    ).first()
    if review is None:
        raise NotFound(_("There is no review for %(week)s in this team.", week=week))
    return review


class NotPublished(NotFound):
    """A draft review asked for by a member who may not read drafts (*review*: the draft)."""

    def __init__(self, review: Review) -> None:
        super().__init__(_("The review of %(week)s is not published yet.", week=review.iso_week))
        self.review = review


def is_published(review: Review) -> bool:
    """Tell whether *review* is published (read-only, visible to the whole team)."""
    return review.status == ReviewStatus.PUBLISHED


def may_see_drafts(role: str | None) -> bool:
    """Tell whether a member holding *role* may read draft reviews (a viewer may not)."""
    return role_can(role, "review.draft")


def readable_review(session: Session, *, team: Team, iso_week: str, role: str | None) -> Review:
    """Return the team's review of *iso_week* as a member holding *role* may read it.

    NotFound when there is none; NotPublished (a NotFound carrying the draft) when it is a draft
    and *role* may not read drafts: a viewer sees published reviews only.
    """
    review = get_review(session, team=team, iso_week=iso_week)
    if not is_published(review) and not may_see_drafts(role):
        raise NotPublished(review)
    return review


def previous_review(session: Session, *, team: Team, review: Review) -> Review | None:
    """Return the team's latest review before *review*'s week."""
    return session.exec(
        select(Review)
        .where(Review.team_id == team.id, col(Review.iso_week) < review.iso_week)
        .order_by(col(Review.iso_week).desc())
    ).first()


def decisions_of(session: Session, *, review: Review) -> list[ReviewDecision]:
    """Return the decisions taken in *review*, oldest first."""
    query = select(ReviewDecision).where(ReviewDecision.review_id == review.id)
    order = (col(ReviewDecision.created_at), col(ReviewDecision.id))
    return list(session.exec(query.order_by(*order)))


def addenda_of(session: Session, *, review: Review) -> list[tuple[ReviewAddendum, User | None]]:
    """Return the review's addenda with their authors, oldest first."""
    rows = session.exec(
        select(ReviewAddendum, User)
        .join(User, col(User.id) == col(ReviewAddendum.author_id), isouter=True)
        .where(ReviewAddendum.review_id == review.id)
        .order_by(col(ReviewAddendum.created_at), col(ReviewAddendum.id))
    ).all()
    return [(a, u) for a, u in rows]


def decision_range_warning(count: int) -> str | None:
    """Return the warning for a decision count outside 3–7, else None."""
    if count < DECISIONS_MIN:
        return _(
            "%(n)d decisions so far; a review should end with %(lo)d–%(hi)d. A report "
            "without decisions is just pretty charts.",
            n=count,
            lo=DECISIONS_MIN,
            hi=DECISIONS_MAX,
        )
    if count > DECISIONS_MAX:
        return _(
            "%(n)d decisions; a review should end with %(lo)d–%(hi)d. Merge or drop some so "
            "the team can follow through.",
            n=count,
            lo=DECISIONS_MIN,
            hi=DECISIONS_MAX,
        )
    return None


@dataclass
class ReviewSummary:
    """One line of the archive: the week, its status and its decisions' outcomes."""

    review: Review
    total: int
    done: int
    open: int
    carried: int
    read: bool
    readers: int
    publisher: str | None

    @property
    def published(self) -> bool:
        return is_published(self.review)


def list_reviews(
    session: Session, *, team: Team, user: User | None = None, include_drafts: bool = True
) -> list[ReviewSummary]:
    """Return the team's reviews, newest week first, with decision counts and read state."""
    query = select(Review).where(Review.team_id == team.id)
    if not include_drafts:
        query = query.where(Review.status == ReviewStatus.PUBLISHED)
    reviews = list(session.exec(query.order_by(col(Review.iso_week).desc())).all())
    ids = [r.id for r in reviews]
    counts: dict[int, dict[str, int]] = {}
    for review_id, status, n in session.exec(
        select(ReviewDecision.review_id, ReviewDecision.status, func.count(col(ReviewDecision.id)))
        .where(col(ReviewDecision.review_id).in_(ids))
        .group_by(ReviewDecision.review_id, ReviewDecision.status)
    ).all():
        counts.setdefault(review_id, {})[status] = n
    readers: dict[int, int] = dict(
        session.exec(
            select(ReviewRead.review_id, func.count(col(ReviewRead.id)))
            .where(col(ReviewRead.review_id).in_(ids))
            .group_by(ReviewRead.review_id)
        ).all()
    )
    mine = set()
    if user is not None:
        mine = set(
            session.exec(
                select(ReviewRead.review_id).where(
                    ReviewRead.user_id == user.id, col(ReviewRead.review_id).in_(ids)
                )
            ).all()
        )
    names = dict(
        session.exec(
            select(User.id, User.name).where(
                col(User.id).in_({r.published_by_id for r in reviews if r.published_by_id})
            )
        ).all()
    )
    out = []
    for review in reviews:
        c = counts.get(review.id, {})
        out.append(
            ReviewSummary(
                review=review,
                total=sum(c.values()),
                done=c.get("done", 0),
                open=c.get("open", 0),
                carried=c.get("carried", 0),
                read=review.id in mine,
                readers=readers.get(review.id, 0),
                publisher=names.get(review.published_by_id),
            )
        )
    return out


def readers(
    session: Session, *, team: Team, review: Review
) -> list[tuple[User, str, datetime | None]]:
    """Return every team member with their role and when they read the review (None: not yet)."""
    read_at = dict(
        session.exec(
            select(ReviewRead.user_id, ReviewRead.read_at).where(ReviewRead.review_id == review.id)
        ).all()
    )
    members = session.exec(
        select(User, Membership.role)
        .join(Membership, col(Membership.user_id) == col(User.id))
        .where(Membership.team_id == team.id)
        .order_by(User.name, User.id)
    ).all()
    rows = [(user, role, read_at.get(user.id)) for user, role in members]
    # Read first (earliest first), then the ones who have not read it yet.
    return sorted(rows, key=lambda r: (r[2] is None, r[2] or utcnow(), r[0].name))


def has_read(session: Session, *, review: Review, user: User) -> bool:
    """Tell whether *user* marked *review* as read."""
    return (
        session.exec(
            select(ReviewRead.id).where(
                ReviewRead.review_id == review.id, ReviewRead.user_id == user.id
            )
        ).first()
        is not None
    )
