"""The schedule: reminders and digests, each made once however often (or by how many workers)
it runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import factories
from sqlmodel import select

from hypotheses.db import get_engine
from hypotheses.domain.notifications.events import notify
from hypotheses.domain.notifications.preferences import set_choices
from hypotheses.domain.notifications.schedule import run_schedule
from hypotheses.models import (
    Analysis,
    DigestItem,
    OutboxMessage,
    Review,
    ReviewDecision,
    ScheduleMark,
)

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)  # a Thursday, after the digest hour


def _sent(db) -> list[tuple[str, str]]:
    db.expire_all()
    rows = db.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    db.rollback()
    return [(m.event, m.recipient) for m in rows]


def test_reminders_fire_once(app, db, team, users):
    team.digest_day, team.review_day = None, NOW.weekday()
    review = Review(team_id=team.id, iso_week="2026-W49")
    db.add(review)
    db.flush()
    owner = users["marketer"]
    for days, text in ((1, "Tomorrow"), (-2, "Late"), (5, "Later")):
        db.add(
            ReviewDecision(
                review_id=review.id,
                team_id=team.id,
                text=text,
                owner_id=owner.id,
                due=NOW.date() + timedelta(days=days),
            )
        )
    hypothesis = factories.make_hypothesis(db, team=team, author=users["viewer"], status="running")
    factories.make_experiment_record(
        db,
        team=team,
        hypothesis=hypothesis,
        status="running",
        per_variant=100,
        results=[{"visitors": 150, "conversions": 10}, {"visitors": 100, "conversions": 9}],
        verdict="v",
    )
    analysis = db.exec(select(Analysis)).one()
    analysis.output = {**analysis.output, "srm": {**analysis.output["srm"], "mismatch": True}}
    db.commit()
    with app.app_context():
        made = run_schedule(get_engine(), NOW)
        again = run_schedule(get_engine(), NOW + timedelta(minutes=1))
    assert (made, again) == (5, 0)
    sent = _sent(db)
    lead, viewer = users["lead"].email, users["viewer"].email
    assert sorted(sent) == sorted(
        [
            ("review_decision_due", owner.email),
            ("review_decision_overdue", owner.email),
            ("review_draft_reminder", lead),
            ("test_reached_sample", viewer),
            ("test_reached_sample", lead),
            ("srm_detected", viewer),
            ("srm_detected", lead),
        ]
    )
    assert len(db.exec(select(ScheduleMark)).all()) == 5


def test_daily_and_weekly_digests(app, db, team, users):
    team.digest_day, team.review_day = NOW.weekday(), None
    db.commit()
    marketer = users["marketer"]
    with app.app_context():
        set_choices(
            db, user=marketer, choices={"hypothesis_approved": "digest", "weekly_digest": "never"}
        )
        for title in ("One", "Two"):
            notify(
                db,
                "hypothesis_approved",
                team_id=team.id,
                recipients=[marketer],
                context={"title": title, "path": "/backlog/1"},
            )
        db.commit()
        early = run_schedule(get_engine(), NOW.replace(hour=3))
        made = run_schedule(get_engine(), NOW)
        again = run_schedule(get_engine(), NOW + timedelta(hours=1))
    assert (early, made, again) == (0, 2, 0)  # the daily digest and the team's weekly one
    db.expire_all()
    daily = db.exec(select(OutboxMessage).where(OutboxMessage.event == "daily_digest")).one()
    assert daily.recipient == marketer.email and daily.subject == "Your daily digest: 2 updates"
    assert "Approved: One" in daily.body_text and "Approved: Two" in daily.body_text
    assert {i.message_id for i in db.exec(select(DigestItem)).all()} == {daily.id}
    weekly = [
        m.recipient
        for m in db.exec(select(OutboxMessage).where(OutboxMessage.event == "weekly_digest")).all()
    ]
    assert marketer.email not in weekly  # chose never
    assert sorted(weekly) == sorted(u.email for r, u in users.items() if r != "marketer")
