"""Demo weekly reviews: six published weeks (KPIs, decisions, readers) and this week's draft."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta

from sqlmodel import Session, select

from hypotheses.domain.core import audit
from hypotheses.domain.core.weeks import iso_week_of, monday_of, week_of_date
from hypotheses.domain.reviews.metrics import list_metrics, seed_catalog
from hypotheses.enums import ItemStatus, ReviewStatus
from hypotheses.models import (
    Experiment,
    Hypothesis,
    KpiValue,
    Review,
    ReviewDecision,
    ReviewRead,
    Team,
    User,
    utcnow,
)

PAST_WEEKS = 6
UNTRACKED = ("Gross profit", "Repeat-purchase share")  # 8 of the 10 metrics are tracked

# metric name -> (value six weeks ago, weekly drift, noise as a share of the value)
SERIES = {
    "Leads": (410, 9, 0.05),
    "Cost per lead": (19.4, -0.35, 0.04),
    "Lead to sale conversion": (10.8, 0.25, 0.05),
    "CAC": (178.0, -3.5, 0.04),
    "Revenue": (61500, 900, 0.04),
    "Gross profit": (25400, 420, 0.05),
    "Repeat-purchase share": (22.5, 0.2, 0.04),
    "NPS": (34, 0.8, 0.06),
    "Time to first contact": (96, -11, 0.08),
    "Share of non-target leads": (28.5, -0.9, 0.04),
}

# Per week (oldest first): decisions as (text, owner role, linked hypothesis title or None).
DECISIONS = [
    [
        (
            "Start the 15-minute callback test with the on-duty manager rota",
            "lead",
            "Call back every lead within 15 minutes",
        ),
        ("Pause interest targeting on social; move budget to search", "marketer", None),
        (
            "Add three qualifying questions to the first sales call",
            "lead",
            "Qualifying script for sales calls",
        ),
        ("Tag every lead source in the CRM so CAC can be split by channel", "marketer", None),
    ],
    [
        (
            "Write the outcome-first headline variants",
            "marketer",
            "Outcome-first landing page headline",
        ),
        ("Agree the definition of a non-target lead with sales", "lead", None),
        (
            "Prepare the money-back guarantee copy for legal review",
            "marketer",
            "Money-back guarantee in the offer",
        ),
    ],
    [
        (
            "Ship the 15-minute callback rota to all regions",
            "lead",
            "Call back every lead within 15 minutes",
        ),
        ("Add five new segment hypotheses: the backlog is thin on segments", "marketer", None),
        ("Cap the cost per lead on social at 22", "marketer", None),
        ("Review NPS detractor comments with support", "lead", None),
        (
            "Draft the retention e-mail sequence",
            "marketer",
            "Retention e-mail sequence after first purchase",
        ),
    ],
    [
        (
            "Start the headline test on paid search traffic",
            "lead",
            "Outcome-first landing page headline",
        ),
        ("Kill the exit-intent popup idea for good", "lead", None),
        ("Measure time to first contact per manager weekly", "marketer", None),
    ],
    [
        (
            "Iterate on the guarantee wording: test a 14-day version",
            "marketer",
            "Money-back guarantee in the offer",
        ),
        ("Build the buyer lookalike audience", "marketer", "Lookalike audience from buyers"),
        ("Move the weekly review to Monday 10:00", "lead", None),
        ("Report revenue by cohort, not only by week", "marketer", None),
    ],
    [
        (
            "Decide the headline test at the planned sample, not before",
            "lead",
            "Outcome-first landing page headline",
        ),
        ("Shorten the lead form to three fields as the next test", "marketer", "Shorter lead form"),
        ("Ask sales for ten call recordings of non-target leads", "lead", None),
        ("Refill the backlog to at least 15 hypotheses", "marketer", None),
    ],
]
# Per week: which of the previous week's decisions (by index) were carried over; the rest were done.
CARRIED = [set(), {3}, {1}, {2, 4}, {1}, {2}]
NOTES = [
    "Speed to lead is the biggest lever we see; the callback test starts this week.",
    "Lead volume grows but the share of non-target leads is still high. "
    "Sales and marketing disagree on the definition.",
    "Callback test: lead to sale rose clearly. Shipping it everywhere.",
    "CAC keeps falling. The backlog is below the minimum: more ideas, especially segments.",
    "Guarantee test inconclusive; the wording may be the problem.",
    "Headline test at 60% of its planned sample. No early calls.",
]


def _at(day, hour: int) -> datetime:
    return datetime.combine(day, time(hour=hour), tzinfo=UTC)


def _hypothesis_ids(session: Session, team: Team) -> dict[str, tuple[int, int | None]]:
    rows = session.exec(
        select(Hypothesis.title, Hypothesis.id, Experiment.id)
        .join(Experiment, Experiment.hypothesis_id == Hypothesis.id, isouter=True)
        .where(Hypothesis.team_id == team.id)
    ).all()
    return {title: (hid, eid) for title, hid, eid in rows}


def _values(week_index: int, rng: random.Random) -> dict[str, float]:
    out = {}
    for name, (start, drift, noise) in SERIES.items():
        value = (start + drift * week_index) * (1 + rng.uniform(-noise, noise))
        out[name] = round(
            value,
            2
            if name in ("Cost per lead", "CAC")
            else (1 if "share" in name.lower() or "conversion" in name.lower() else 0),
        )
    return out


def load(session: Session, *, team: Team, people: dict[str, User]) -> list[Review]:
    """Add six published weekly reviews and a draft for this week to the demo team."""
    rng = random.Random(47)
    seed_catalog(session, team=team)
    session.flush()
    metrics = {m.name: m for m in list_metrics(session, team=team)}
    for name in UNTRACKED:
        if name in metrics:
            metrics[name].tracked = False
    linked = _hypothesis_ids(session, team)
    this_monday = monday_of(iso_week_of(utcnow()))
    lead, marketer = people["lead"], people["marketer"]
    attendees = ", ".join(p.name for p in (lead, marketer, people["viewer"]))
    created: list[Review] = []
    previous: list[ReviewDecision] = []
    for index in range(PAST_WEEKS):
        monday = this_monday - timedelta(weeks=PAST_WEEKS - index)
        review = Review(
            team_id=team.id,
            iso_week=week_of_date(monday),
            status=ReviewStatus.PUBLISHED,
            attendees=attendees + (", Sam from sales" if index % 2 else ""),
            notes=NOTES[index],
            opened_by_id=marketer.id,
            published_by_id=lead.id,
            created_at=_at(monday, 9),
            published_at=_at(monday + timedelta(days=4), 16),
        )
        session.add(review)
        session.flush()
        for name, value in _values(index, rng).items():
            if name in metrics:
                session.add(KpiValue(review_id=review.id, metric_id=metrics[name].id, value=value))
        carried = []
        for n, old in enumerate(previous):  # follow up last week's decisions
            old.closed_in_review_id = review.id
            old.status = ItemStatus.CARRIED if n in CARRIED[index] else ItemStatus.DONE
            if old.status == ItemStatus.CARRIED:
                copy = ReviewDecision(
                    review_id=review.id,
                    team_id=team.id,
                    text=old.text,
                    owner_id=old.owner_id,
                    due=monday + timedelta(days=11),
                    hypothesis_id=old.hypothesis_id,
                    experiment_id=old.experiment_id,
                    carried_from_id=old.id,
                    created_at=_at(monday, 10),
                )
                session.add(copy)
                carried.append(copy)
        previous = []
        for text, role, title in DECISIONS[index]:
            hypothesis_id, experiment_id = (
                linked.get(title, (None, None)) if title else (None, None)
            )
            decision = ReviewDecision(
                review_id=review.id,
                team_id=team.id,
                text=text,
                owner_id=people[role].id,
                due=monday + timedelta(days=11),
                hypothesis_id=hypothesis_id,
                experiment_id=experiment_id,
                created_at=_at(monday, 11),
            )
            session.add(decision)
            previous.append(decision)
        previous = carried + previous  # next week follows up the carried copies too
        session.flush()
        for reader, lag in ((lead, 0), (people["viewer"], 1), (marketer, 0), (people["admin"], 2)):
            if index < PAST_WEEKS - 1 or reader in (
                lead,
                marketer,
            ):  # the viewer has not read the latest
                session.add(
                    ReviewRead(
                        review_id=review.id,
                        user_id=reader.id,
                        read_at=review.published_at + timedelta(days=lag, hours=2),
                    )
                )
        for action, when, actor in (
            ("review.open", review.created_at, marketer),
            ("review.publish", review.published_at, lead),
        ):
            entry = audit.record(
                session,
                team_id=team.id,
                entity="review",
                entity_id=review.id,
                action=action,
                actor=actor,
                version=1,
            )
            entry.created_at = when
        created.append(review)
    draft = Review(team_id=team.id, iso_week=week_of_date(this_monday), opened_by_id=marketer.id)
    session.add(draft)
    session.flush()
    audit.record(
        session,
        team_id=team.id,
        entity="review",
        entity_id=draft.id,
        action="review.open",
        actor=marketer,
        version=1,
    )
    created.append(draft)
    return created
