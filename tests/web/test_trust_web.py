"""Verdicts warn before they praise (issue 13): the sample-ratio mismatch of the issue
(A 16000/480, B 14500/520) replaces the "significant" headline with a warning on the test page,
the hypothesis page, the dashboard, the learnings, the review agenda, the published review, the
Markdown and CSV exports and the API."""

from __future__ import annotations

import html
from datetime import date, timedelta

from trust_cases import PRAISE, WARNING, srm_test

from hypotheses.domain.core import weeks
from hypotheses.domain.reviews import decisions as review_decisions
from hypotheses.domain.reviews import lifecycle as reviews


def _first_warning_then_measured(text: str, warning: str = WARNING) -> None:
    text = html.unescape(text)
    assert warning in text
    if PRAISE in text:
        assert text.index(warning) < text.index(PRAISE)


def test_srm_warning_on_the_test_page_hypothesis_page_and_dashboard(client, auth, db, team, users):
    hypothesis = srm_test(db, team, users)
    auth.login("viewer")
    from helpers import experiment_of

    experiment = experiment_of(db, hypothesis)
    page = client.get(f"/experiments/{experiment.id}").get_data(as_text=True)
    assert 'id="verdict-warning"' in page and 'data-codes="srm"' in page
    _first_warning_then_measured(page)
    _first_warning_then_measured(client.get(f"/backlog/{hypothesis.id}").get_data(as_text=True))
    board = client.get("/").get_data(as_text=True)
    assert "trust-warning" in board
    _first_warning_then_measured(board)


def test_srm_warning_in_learnings_review_markdown_and_csv(client, auth, db, team, users):
    srm_test(db, team, users, decide=True)
    review = reviews.open_review(db, team=team, actor=users["lead"])
    for text in ("Fix the split", "Re-run the form test", "Audit the router"):
        review_decisions.add_decision(
            db,
            team=team,
            actor=users["lead"],
            review=review,
            text=text,
            owner_id=users["lead"].id,
            due=date.today() + timedelta(days=7),
        )
    week = weeks.iso_week_of()
    auth.login("marketer")
    _first_warning_then_measured(client.get(f"/reviews/{week}").get_data(as_text=True))  # agenda
    reviews.publish(
        db, team=team, actor=users["lead"], review=review, reason="KPIs are entered next week."
    )
    auth.login("viewer")
    _first_warning_then_measured(client.get("/learnings/").get_data(as_text=True))
    _first_warning_then_measured(client.get(f"/reviews/{week}").get_data(as_text=True))
    markdown = client.get(f"/reviews/{week}/markdown").get_data(as_text=True)
    _first_warning_then_measured(markdown.replace("\\", ""))  # Markdown escapes < ( )
    for kind in ("experiments", "analyses"):
        csv = client.get(f"/data/export/{kind}.csv?dialect=standard").get_data(as_text=True)
        _first_warning_then_measured(csv)
