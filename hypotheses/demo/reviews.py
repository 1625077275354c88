"""Demo weekly reviews: six published weeks (KPIs, decisions, readers) and this week's draft."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta

from sqlmodel import Session, select

from hypotheses.demo.content import content_for
from hypotheses.demo.history import logged
from hypotheses.domain.core import audit
from hypotheses.domain.core.weeks import iso_week_of, monday_of, week_of_date
from hypotheses.domain.reviews.metrics import default_catalog, list_metrics, seed_catalog
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
# The default catalog's metrics, in its order (hypotheses.domain.reviews.metrics): (value six
# weeks ago, weekly drift, noise as a share of the value), money in the story's unit.
SERIES = [
    (410, 9, 0.05),  # Leads
    (19.4, -0.35, 0.04),  # Cost per lead
    (10.8, 0.25, 0.05),  # Lead to sale conversion
    (178.0, -3.5, 0.04),  # CAC
    (61500, 900, 0.04),  # Revenue
    (25400, 420, 0.05),  # Gross profit
    (22.5, 0.2, 0.04),  # Repeat-purchase share
    (34, 0.8, 0.06),  # NPS
    (96, -11, 0.08),  # Time to first contact
    (28.5, -0.9, 0.04),  # Share of non-target leads
]
UNTRACKED = (5, 6)  # Gross profit and Repeat-purchase share: 8 of the 10 metrics are tracked
# Per week: which of the previous week's decisions (by index) were carried over; the rest were done.
CARRIED = [set(), {3}, {1}, {2, 4}, {1}, {2}]


def _at(day, hour: int) -> datetime:
    return datetime.combine(day, time(hour=hour), tzinfo=UTC)


def _hypothesis_ids(session: Session, team: Team) -> dict[str, tuple[int, int | None]]:
    rows = session.exec(
        select(Hypothesis.title, Hypothesis.id, Experiment.id)
        .join(Experiment, Experiment.hypothesis_id == Hypothesis.id, isouter=True)
        .where(Hypothesis.team_id == team.id)
    ).all()
    return {title: (hid, eid) for title, hid, eid in rows}


def _values(
    week_index: int, rng: random.Random, language: str | None, money: float
) -> dict[str, float]:
    """Return the week's value of each default metric by its name in *language*."""
    out = {}
    catalog = default_catalog(language)
    for (name, unit, _direction, fmt), (start, drift, noise) in zip(catalog, SERIES, strict=True):
        value = (start + drift * week_index) * (1 + rng.uniform(-noise, noise))
        out[name] = round(value * (money if unit == "money" else 1), int(fmt))
    return out


def load(session: Session, *, team: Team, people: dict[str, User]) -> list[Review]:
    """Add six published weekly reviews and a draft for this week to the demo team."""
    words = content_for(team.default_language)
    review_words = content_for(team.default_language, "reviews")
    language = team.default_language
    rng = random.Random(47)
    seed_catalog(session, team=team)
    session.flush()
    metrics = {m.name: m for m in list_metrics(session, team=team)}
    catalog = default_catalog(language)
    for index in UNTRACKED:
        name = catalog[index][0]
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
            attendees=attendees + (f", {review_words.GUEST}" if index % 2 else ""),
            notes=review_words.NOTES[index],
            opened_by_id=marketer.id,
            published_by_id=lead.id,
            created_at=_at(monday, 9),
            published_at=_at(monday + timedelta(days=4), 16),
        )
        session.add(review)
        session.flush()
        for name, value in _values(index, rng, language, words.MONEY).items():
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
        for text, role, title in review_words.DECISIONS[index]:
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
            logged(session, when, "review", review, action, actor)
        created.append(review)
    draft = Review(team_id=team.id, iso_week=week_of_date(this_monday), opened_by_id=marketer.id)
    session.add(draft)
    session.flush()
    audit.log(session, "review", draft, "review.open", marketer, version=1)
    created.append(draft)
    return created
