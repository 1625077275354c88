"""Weekly reviews: list, open, read, KPI values, decisions, publish.

As in the browser, a viewer sees published reviews only: drafts are left out of the list and
reading one answers 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import g
from flask_babel import gettext as _
from sqlmodel import select

from hypotheses.api.auth import current_actor
from hypotheses.api.blueprint import bp
from hypotheses.api.openapi import operations
from hypotheses.api.schemas_reviews import (
    AddendumOut,
    DecisionOut,
    KpiOut,
    KpisIn,
    PublishIn,
    ReviewDecisionIn,
    ReviewList,
    ReviewOpen,
    ReviewOut,
    ReviewSummaryOut,
)
from hypotheses.api.shaping import filled, of_row
from hypotheses.db import get_session
from hypotheses.domain.accounts.credentials import normalise_email
from hypotheses.domain.core.errors import ValidationFailed
from hypotheses.domain.reviews import decisions as review_decisions
from hypotheses.domain.reviews import kpis
from hypotheses.domain.reviews import lifecycle as reviews
from hypotheses.domain.reviews import queries as review_queries
from hypotheses.models import Review, ReviewDecision, User

TAG = "reviews"
on_reviews = operations(
    bp, tag=TAG, prefix="/reviews", method="GET", permission="review.view", response=ReviewOut
)
# a week's draft, changed by POST: 409 once it is published
on_week = operations(
    bp,
    tag=TAG,
    prefix="/reviews/<iso_week>",
    method="POST",
    permission="review.draft",
    response=ReviewOut,
    errors=(409,),
)


def as_token_user(use_case: Callable, review: Review, **arguments: Any) -> Any:
    """Run a review's *use_case* in the token's team as the token's user."""
    return use_case(get_session(), team=g.team, actor=current_actor(), review=review, **arguments)


def _review(iso_week: str) -> Review:
    return review_queries.readable_review(
        get_session(), team=g.team, iso_week=iso_week, role=g.role
    )


def decision_out(decision: ReviewDecision, owner_name: str | None) -> DecisionOut:
    return filled(DecisionOut, of_row(decision), owner_name=owner_name)


def review_out(review: Review, warnings: list[str] | None = None) -> ReviewOut:
    """Serialise a review with its KPI snapshot, decisions and addenda."""
    db = get_session()
    table = kpis.kpi_table(db, team=g.team, review=review)
    notes = [w for w in [table.warning] if w] + list(warnings or [])
    return filled(
        ReviewOut,
        of_row(review),
        kpis=[
            filled(
                KpiOut,
                of_row(row),
                metric_id=row.metric.id,
                metric=row.metric.name,
                unit=row.metric.unit,
                direction=row.metric.direction,
            )
            for row in table.rows
        ],
        decisions=[
            decision_out(line.decision, line.owner)
            for line in review_decisions.decision_lines(db, review=review)
        ],
        addenda=[
            filled(AddendumOut, of_row(a), author=u.name if u else None)
            for a, u in review_queries.addenda_of(db, review=review)
        ],
        warnings=notes,
    )


@on_reviews("", summary="List weekly reviews, newest first", response=ReviewList)
def list_reviews():
    """Viewers see published reviews only."""
    rows = review_queries.list_reviews(
        get_session(),
        team=g.team,
        user=current_actor(),
        include_drafts=review_queries.may_see_drafts(g.role),
    )
    return ReviewList(
        items=[
            filled(
                ReviewSummaryOut,
                of_row(r.review),
                decisions=r.total,
                done=r.done,
                open=r.open,
                carried=r.carried,
            )
            for r in rows
        ]
    )


@on_reviews(
    "",
    "POST",
    summary="Open a week's review",
    permission="review.draft",
    body=ReviewOpen,
    body_required=False,
    status=201,
    errors=(409,),
)
def open_review(body: ReviewOpen):
    """Opens the draft for `iso_week` (default: this week); 409 when it already exists."""
    review = reviews.open_review(
        get_session(), team=g.team, actor=current_actor(), iso_week=body.iso_week
    )
    from hypotheses.domain.sources.kpis import fill_review  # KPIs from SQL (issue 16)

    fill_review(get_session(), team=g.team, review=review)  # a failed query leaves a blank
    return review_out(review)


@on_reviews("/<iso_week>", summary="Read a week's review")
def get_review(iso_week: str):
    """The KPI snapshot with changes against the previous review, decisions and addenda."""
    return review_out(_review(iso_week))


@on_week("/kpis", summary="Enter KPI values", body=KpisIn)
def save_kpis(iso_week: str, body: KpisIn):
    """Values by metric name (or id); null clears a value. Refused once published (409)."""
    review = _review(iso_week)
    values: dict[int | str, float | None] = {}
    seen: set[int | str] = set()
    for index, item in enumerate(body.values):
        key = item.metric.strip() if isinstance(item.metric, str) else item.metric
        folded = key.lower() if isinstance(key, str) else key
        if folded in seen:
            message = _("%(metric)s is given twice.", metric=item.metric)
            raise ValidationFailed({f"values.{index}.metric": [message]}, message)
        seen.add(folded)
        values[key] = item.value
    as_token_user(kpis.save_kpis, review, values=values)
    return review_out(review)


def _owner_id(body: ReviewDecisionIn) -> int | None:
    if body.owner_id is not None or not body.owner_email:
        return body.owner_id
    user_id = (
        get_session()
        .exec(select(User.id).where(User.email == normalise_email(body.owner_email)))
        .first()
    )
    return user_id if user_id is not None else -1  # unknown: the domain refuses it


@on_week(
    "/decisions",
    summary="Record a decision",
    body=ReviewDecisionIn,
    response=DecisionOut,
    status=201,
)
def add_decision(iso_week: str, body: ReviewDecisionIn):
    """Text, owner (e-mail of a team member) and due date; optionally the hypothesis it is
    about."""
    review = _review(iso_week)
    try:
        decision = as_token_user(
            review_decisions.add_decision,
            review,
            text=body.text,
            owner_id=_owner_id(body),
            due=body.due,
            hypothesis_id=body.hypothesis_id,
        )
    except ValidationFailed as error:
        if "owner_id" in error.errors and body.owner_id is None:
            error.errors["owner_email"] = error.errors.pop("owner_id")
        raise
    owner = get_session().get(User, decision.owner_id) if decision.owner_id else None
    return decision_out(decision, owner.name if owner else None)


@on_week(
    "/publish",
    summary="Publish the review",
    body=PublishIn,
    body_required=False,
    permission="review.publish",
)
def publish_review(iso_week: str, body: PublishIn):
    """A lead publishes the draft; it is read-only afterwards. Warnings (decision count, missing
    KPI values) come back in `warnings`. Outside the review's rules (3–7 decisions, KPI values
    for 5–12 metrics) it needs a `reason` (422 on `reason` without one), kept in
    `publish_reason`."""
    review = _review(iso_week)
    warnings = as_token_user(reviews.publish, review, reason=body.reason)
    return review_out(review, warnings)
