"""Stored analyses are worded in the reader's language wherever they are shown: the test page,
the API (Accept-Language), the learnings library, the review's Markdown export, CSV exports;
an analysis stored the old way (English text, no codes) reads like a new one."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import factories
from flask_babel import force_locale
from helpers import experiment_of, visible_text
from verdict_cases import RAISED_RU, RU, analysis_of, finished, make_old

from hypotheses.domain.reviews import decisions as review_decisions
from hypotheses.domain.reviews import lifecycle as reviews
from hypotheses.domain.reviews.export import review_markdown

RAISED_EN = re.compile(r"Variant B raised .*? significant at α = 0\.05\.")


def test_the_test_page_words_new_and_old_analyses_alike(client, auth, db, team, users):
    hypothesis = finished(db, team, users)
    analysis = analysis_of(db, hypothesis)
    assert analysis.verdict.startswith("Variant B raised")  # English kept for the database
    url = f"/experiments/{experiment_of(db, hypothesis).id}"
    auth.login("viewer")
    en = visible_text(client.get(url))
    ru = visible_text(client.get(url, headers=RU))
    assert "Variant B raised" in en and "from 3.1% to 3.9% (+26%" in en
    assert RAISED_RU.search(ru), ru
    make_old(db, analysis_of(db, hypothesis))
    old_ru = visible_text(client.get(url, headers=RU))
    old_en = visible_text(client.get(url))
    assert RAISED_RU.search(old_ru).group() == RAISED_RU.search(ru).group()  # type: ignore[union-attr]
    assert RAISED_EN.search(old_en).group() == RAISED_EN.search(en).group()  # type: ignore[union-attr]


def test_learnings_and_csv_export_in_russian(client, auth, db, team, users):
    hypothesis = factories.make_hypothesis(db, team=team, status="decided", title="Телефон")
    factories.make_experiment_record(
        db,
        team=team,
        hypothesis=hypothesis,
        decided_at=datetime(2026, 3, 10, tzinfo=UTC),
        results=[{"visitors": 1000, "conversions": 50}, {"visitors": 1000, "conversions": 100}],
        metric_name="Заявки",
        verdict="Variant B raised Заявки from 5.0% to 10.0%.",
    )
    auth.login("viewer")
    page = visible_text(client.get("/learnings/", headers=RU))
    assert re.search(r"Вариант «Variant B» увеличил метрику «Заявки» с 5,0\s% до 10,0\s%", page)
    assert "Variant B raised" not in page
    auth.login("lead")
    export = client.get("/data/export/experiments.csv", headers=RU)
    assert export.status_code == 200  # the experiments CSV carries the latest verdict
    assert "увеличил метрику «Заявки»" in export.get_data(as_text=True)
    analyses = client.get("/data/export/analyses.csv", headers=RU).get_data(as_text=True)
    assert "Вариант «Variant B» увеличил метрику «Заявки»" in analyses


def test_review_markdown_export_in_the_exporting_user_s_language(app, db, team, users):
    lead = users["lead"]
    hypothesis = finished(db, team, users)
    experiment = experiment_of(db, hypothesis)
    review = reviews.open_review(
        db, team=team, actor=lead, iso_week="2026-W47", today=date(2026, 11, 18)
    )
    review_decisions.add_decision(
        db,
        team=team,
        actor=lead,
        review=review,
        text="Внедрить",
        owner_id=lead.id,
        due=date(2026, 11, 25),
    )
    reviews.publish(
        db,
        team=team,
        actor=lead,
        review=review,
        reason="Short week: fewer decisions and KPI values.",
    )
    experiment.ended_at = review.published_at - timedelta(minutes=1)
    db.add(experiment)
    db.commit()
    with app.test_request_context("/"), force_locale("ru"):
        text = review_markdown(db, team=team, review=review)
    assert RAISED_RU.search(text.replace("\\", "")), text  # Markdown escapes the brackets
    with app.test_request_context("/"), force_locale("en"):
        assert "Variant B raised" in review_markdown(db, team=team, review=review)
