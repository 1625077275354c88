"""Request and response shapes of the weekly-review operations."""

from __future__ import annotations

from datetime import date, datetime

from hypotheses.api.schemas import WEEK, Id, In, Out, doc, example
from hypotheses.domain.reviews.decisions import MAX_TEXT
from hypotheses.domain.reviews.kpis import MAX_ABS


class ReviewOpen(In):
    iso_week: str | None = doc(
        "The ISO week, e.g. 2026-W48 (default: this week). A week that has "
        "not started yet is refused.",
        None,
        pattern=WEEK,
    )


class KpiValueIn(In):
    metric: str | int = doc("The metric's name in the team's catalog (or its id).")
    value: float | None = doc(
        "The week's value; null clears it.", None, minimum=-MAX_ABS, maximum=MAX_ABS
    )


class KpisIn(In):
    model_config = example(
        {"values": [{"metric": "Leads", "value": 412}, {"metric": "CAC", "value": 38.5}]}
    )

    values: list[KpiValueIn] = doc("One entry per metric.", ..., maxItems=100)


class ReviewDecisionIn(In):
    model_config = example(
        {
            "text": "Ship the short form to all traffic",
            "owner_email": "ana@example.com",
            "due": "2026-12-01",
            "hypothesis_id": 3,
        }
    )

    text: str = doc("What was decided, one line.", ..., minLength=1, maxLength=MAX_TEXT)
    owner_email: str | None = doc(
        "The owner's e-mail (a team member); or send owner_id.", None, maxLength=254
    )
    owner_id: Id | None = doc(None, None, minimum=1)
    due: date = doc("Due date, e.g. 2026-12-01.")
    hypothesis_id: Id | None = doc(
        "A hypothesis of the team this decision is about.", None, minimum=1
    )


class PublishIn(In):
    model_config = example({"reason": "Two KPIs come from finance next week."})

    reason: str | None = doc(
        "Why the review is published outside its rules (3–7 decisions, KPI values for 5–12 "
        "metrics); needed only then (422 `invalid` on `reason` otherwise), shown on the "
        "published review.",
        None,
        maxLength=1000,
    )


class KpiOut(Out):
    metric_id: int
    metric: str
    unit: str
    direction: str
    value: float | None
    previous: float | None
    previous_week: str | None
    delta: float | None
    delta_pct: float | None
    good: bool | None


class DecisionOut(Out):
    id: int
    text: str
    owner_id: int | None
    owner_name: str | None
    due: date | None
    status: str
    hypothesis_id: int | None
    experiment_id: int | None
    carried_from_id: int | None
    created_at: datetime


class AddendumOut(Out):
    text: str
    author: str | None
    created_at: datetime


class ReviewOut(Out):
    id: int
    iso_week: str
    status: str
    version: int
    attendees: str
    notes: str
    published_at: datetime | None
    published_by_id: int | None
    publish_reason: str | None = None
    created_at: datetime
    kpis: list[KpiOut]
    decisions: list[DecisionOut]
    addenda: list[AddendumOut]
    warnings: list[str]


class ReviewSummaryOut(Out):
    id: int
    iso_week: str
    status: str
    published_at: datetime | None
    decisions: int
    done: int
    open: int
    carried: int


class ReviewList(Out):
    items: list[ReviewSummaryOut]
