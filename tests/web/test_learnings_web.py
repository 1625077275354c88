"""The learnings library page: search, filters, side panels, empty states, permissions."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from factories import make_experiment_record, make_hypothesis, make_team
from helpers import visible_text as _text


def _decided(db, team, *, title, learning, outcome="won", decision="ship", tags="", when=None, **h):
    hypothesis = make_hypothesis(db, team=team, title=title, status="decided", tags=tags, **h)
    return make_experiment_record(
        db,
        team=team,
        hypothesis=hypothesis,
        decision=decision,
        outcome=outcome,
        learning=learning,
        decided_at=when or datetime(2026, 3, 10, tzinfo=UTC),
        # the page words the stored output: B raised the lead rate (5.0% → 10.0%)
        results=[{"visitors": 1000, "conversions": 50}, {"visitors": 1000, "conversions": 100}],
        metric_name="lead rate",
        verdict="Variant B raised lead rate from 5.0% to 10.0%.",
    )


@pytest.fixture
def library(db, team):
    _decided(
        db,
        team,
        title="Phone number in the header",
        learning="Visible phone lifts calls.",
        tags="header, phone",
        confidence=9,
        stage="lead",
        when=datetime(2026, 3, 2, tzinfo=UTC),
    )
    _decided(
        db,
        team,
        title="Price in the ad text",
        learning="Price in ads cut clicks but not leads.",
        outcome="lost",
        decision="kill",
        tags="ads, pricing",
        confidence=8,
        stage="attention",
        when=datetime(2026, 3, 9, tzinfo=UTC),
    )
    _decided(
        db,
        team,
        title="Case studies by industry",
        learning="Too few visitors to tell.",
        outcome="inconclusive",
        decision="iterate",
        tags="social proof",
        confidence=4,
        stage="trust",
        when=datetime(2026, 3, 16, tzinfo=UTC),
    )


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get("/learnings/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_user_without_team_is_sent_to_no_team(client, db):
    from factories import PASSWORD, make_user

    lonely = make_user(db)
    client.post("/auth/login", data={"email": lonely.email, "password": PASSWORD})
    response = client.get("/learnings/")
    assert response.status_code == 302 and "/auth/" in response.headers["Location"]


@pytest.mark.parametrize("role", ["viewer", "marketer", "lead", "admin"])
def test_every_role_reads_the_library(client, auth, library, role):
    auth.login(role)
    response = client.get("/learnings/")
    text = _text(response)

    assert response.status_code == 200
    assert "3 decided tests so far" in text
    # The learning comes first; decision and outcome are spelled out, not only coloured.
    assert text.index("Too few visitors to tell.") < text.index("Case studies by industry")
    assert "Decision: Kill" in text and "Lost" in text and "Decision: Iterate" in text
    assert "Variant B raised lead rate" in text
    # Newest decision first.
    assert text.index("Too few visitors") < text.index("Price in ads") < text.index("Visible phone")


def test_side_panels_tag_rates_and_calibration(client, auth, library):
    auth.login("viewer")
    text = _text(client.get("/learnings/"))

    assert "Win rate by tag" in text
    assert "#phone 1 / 1 100%" in text and "#pricing 0 / 1 0%" in text
    assert "Of tests scored Confidence ≥ 8, 1 of 2 won (50%)." in text
    assert "Of tests scored Confidence ≤ 4, 0 of 1 won (0%)." in text
    assert "read this as a hint, not proof" in text


def test_search_and_filters(client, auth, library):
    auth.login("viewer")

    text = _text(client.get("/learnings/?q=phone"))
    assert "1 test matches." in text and "Phone number in the header" in text
    assert "Price in the ad text" not in text

    text = _text(client.get("/learnings/?outcome=lost&stage=attention"))
    assert "Price in the ad text" in text and "Phone number" not in text

    text = _text(client.get("/learnings/?tag=social+proof"))
    assert "Case studies by industry" in text and "1 test matches." in text

    text = _text(client.get("/learnings/?decided_from=2026-03-05&decided_to=2026-03-10"))
    assert "Price in the ad text" in text and "2 tests match" not in text

    text = _text(client.get("/learnings/?q=nothing+like+this"))
    assert "No decided test matches these filters." in text


@pytest.mark.parametrize(
    "query, message, matches",
    [
        ("outcome=maybe", "Not a valid choice", "3 tests match."),
        ("stage=nonsense", "Not a valid choice", "3 tests match."),
        ("decided_from=03%2F01%2F2026", "Enter a date as YYYY-MM-DD", "3 tests match."),
        ("decided_from=2026-02-30", "There is no such day in the calendar", "3 tests match."),
        (
            "decided_from=%D9%A2%D9%A0%D9%A2%D9%A6-03-01",
            "Enter a date as YYYY-MM-DD",
            "3 tests match.",
        ),
        # The start date is fine and still applies; only the end date is left out.
        (
            "decided_from=2026-03-10&decided_to=2026-03-01",
            "The end date is before the start date",
            "1 test matches.",
        ),
        ("q=" + "x" * 201, "Field cannot be longer than 200 characters", "3 tests match."),
        ("q=a%00b", "Remove control characters", "3 tests match."),
    ],
)
def test_bad_filters_show_a_message_and_are_ignored(client, auth, library, query, message, matches):
    auth.login("viewer")
    response = client.get(f"/learnings/?{query}")
    text = _text(response)

    assert response.status_code == 200
    assert message in text
    assert "Filters with an error were left out of the search." in text
    assert matches in text  # the bad filter was ignored, the rest still applies


def test_bad_filter_keeps_the_good_ones(client, auth, library):
    auth.login("viewer")
    text = _text(client.get("/learnings/?outcome=maybe&q=price"))
    assert "1 test matches." in text and "Price in the ad text" in text


def test_odd_page_numbers_do_not_break(client, auth, library):
    auth.login("viewer")
    for page in ("0", "-1", "abc", "99999999999", "２"):
        assert client.get(f"/learnings/?page={page}").status_code == 200


def test_empty_library_explains_what_a_learning_is(client, auth, db, team):
    make_experiment_record(db, team=team, status="running")
    auth.login("viewer")
    text = _text(client.get("/learnings/"))

    assert "No learnings yet" in text
    assert "one-line lesson a lead writes when deciding a test" in text
    assert "Win rates per tag appear once decided tests carry tags" in text
    assert "No decided tests yet" in text


def test_other_teams_learnings_stay_hidden(client, auth, db, library):
    other = make_team(db, name="Other team")
    _decided(db, other, title="Secret test of another team", learning="Secret lesson.")
    auth.login("viewer")
    text = _text(client.get("/learnings/?q=secret"))
    assert "Secret" not in text.replace("Search", "")


def test_user_text_is_escaped(client, auth, db, team):
    _decided(
        db, team, title="<script>alert(1)</script>", learning="<b>bold</b> claim", tags="<i>x</i>"
    )
    auth.login("viewer")
    html = client.get("/learnings/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "<b>bold</b>" not in html


def test_every_link_on_the_library_works(client, auth, library):
    auth.login("viewer")
    html = client.get("/learnings/").get_data(as_text=True)

    links = set(re.findall(r'href="(/[^"#]*)', html)) - {"/auth/profile"}
    assert any(link.startswith("/experiments/") for link in links)
    assert any(link.startswith("/backlog/") for link in links)
    assert "/learnings/?tag=social+proof" in links
    for link in sorted(links):
        if "/static/" in link:
            continue
        assert client.get(link.replace("&amp;", "&")).status_code == 200, link
