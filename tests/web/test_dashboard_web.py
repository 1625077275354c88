"""The dashboard page as each role sees it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from factories import make_experiment_record, make_hypothesis
from helpers import visible_text as _text

from hypotheses.models import Review, utcnow


@pytest.fixture
def running(db, team):
    hypothesis = make_hypothesis(
        db, team=team, title="Phone number in the header", status="running"
    )
    return make_experiment_record(
        db,
        team=team,
        hypothesis=hypothesis,
        status="running",
        per_variant=5000,
        duration_days=20,
        started_at=utcnow() - timedelta(days=11),
        results=[{"visitors": 2100, "conversions": 70}, {"visitors": 2110, "conversions": 81}],
    )


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["viewer", "marketer", "lead", "admin"])
def test_every_role_sees_what_is_running(client, auth, running, role):
    auth.login(role)
    response = client.get("/")
    text = _text(response)

    assert response.status_code == 200
    assert "What we are testing right now" in text
    assert "Phone number in the header" in text
    assert "4,210 of 10,000 visitors (42%)" in text
    assert "9 days left" in text
    assert "Early look" in text
    assert "2 of 3 test slots free" in text
    assert "This week's review" in text


def test_lead_gets_action_buttons_viewer_does_not(client, auth, db, team, users, running):
    make_hypothesis(
        db,
        team=team,
        title="Instant quote calculator",
        status="backlog",
        impact=9,
        confidence=7,
        ease=6,
        owner_id=users["marketer"].id,
    )
    make_experiment_record(
        db,
        team=team,
        status="finished",
        ended_at=utcnow(),
        hypothesis=make_hypothesis(db, team=team, title="WhatsApp button", status="finished"),
    )

    auth.login("lead")
    lead = _text(client.get("/"))
    auth.login("viewer")
    viewer = _text(client.get("/"))

    for text in (lead, viewer):
        assert "Instant quote calculator" in text and "7.3" in text
        assert "WhatsApp button" in text
    assert "Review Instant quote calculator" in lead
    assert "Decide WhatsApp button" in lead
    assert "Review Instant quote calculator" not in viewer
    assert "Decide WhatsApp button" not in viewer
    assert "Enter results" not in viewer


def test_empty_team_reads_well(client, auth):
    auth.login("viewer")
    text = _text(client.get("/"))

    assert "3 of 3 test slots free" in text
    assert text.count("Free slot") == 3
    assert "Nothing waits for approval" in text
    assert "No finished test waits for a decision" in text
    assert "No review has been opened for this week yet" in text


def test_warnings_for_stale_ideas_and_subject_mix(client, auth, db, team):
    for n in range(5):
        make_hypothesis(db, team=team, title=f"Creative {n}", subject="creative", status="backlog")
    make_hypothesis(
        db, team=team, title="Dusty idea", status="idea", updated_at=utcnow() - timedelta(days=40)
    )

    auth.login("marketer")
    text = _text(client.get("/"))

    assert "100% of the backlog (5 of 5) is about one subject: Creative" in text
    assert "1 idea or backlog hypothesis has not been touched for 30 days" in text
    assert "Dusty idea" in text


def test_this_weeks_review_status(client, auth, db, team):
    year, week, _day = utcnow().date().isocalendar()
    db.add(Review(team_id=team.id, iso_week=f"{year}-W{week:02d}", status="published"))
    db.commit()

    auth.login("viewer")
    text = _text(client.get("/"))

    assert "The review for this week is published" in text


def test_shows_the_backlog_health(client, auth, db, team):
    make_hypothesis(db, team=team, status="backlog")
    auth.login("viewer")
    text = _text(client.get("/"))
    assert "Only 1 in the backlog" in text


def test_latest_learnings_link_to_the_library(client, auth, db, team):
    auth.login("viewer")
    assert "No test has been decided yet" in _text(client.get("/"))

    hypothesis = make_hypothesis(db, team=team, title="Price in the ad text", status="decided")
    make_experiment_record(
        db,
        team=team,
        hypothesis=hypothesis,
        decision="kill",
        outcome="lost",
        learning="Prices in ads cut clicks.",
    )
    page = client.get("/")
    text = _text(page)

    assert "Latest learnings" in text and "Prices in ads cut clicks." in text
    assert "Decision: Kill" in text and "Lost" in text
    assert 'href="/learnings/"' in page.get_data(as_text=True)


def test_every_link_on_the_dashboard_works(client, auth, db, team, users, running):
    make_hypothesis(
        db, team=team, title="Waiting one", status="backlog", owner_id=users["marketer"].id
    )
    make_hypothesis(
        db, team=team, title="Stale one", status="idea", updated_at=utcnow() - timedelta(days=40)
    )
    make_experiment_record(
        db,
        team=team,
        status="finished",
        ended_at=utcnow(),
        hypothesis=make_hypothesis(db, team=team, status="finished"),
    )
    make_experiment_record(db, team=team, status="decided")
    auth.login("lead")
    html = client.get("/").get_data(as_text=True)

    links = set(re.findall(r'href="(/[^"#]*)', html)) - {"/auth/profile"}
    assert any(link.startswith("/experiments/") for link in links)
    assert any(link.startswith("/backlog/") for link in links)
    for link in sorted(links):
        if "/static/" in link:
            continue
        assert client.get(link.replace("&amp;", "&")).status_code == 200, link
