"""API: weekly reviews — open, read, KPI values, decisions, publish; drafts hidden from viewers."""
# ruff: noqa: F811  (fixtures imported from api_support)

from __future__ import annotations

from datetime import date, timedelta

import factories
from api_support import api, tokens  # noqa: F401  (fixtures)

from hypotheses.domain.core.weeks import iso_week_of, week_of_date

WEEK = iso_week_of()
LAST_WEEK = week_of_date(date.today() - timedelta(days=7))
NEXT_WEEK = week_of_date(date.today() + timedelta(days=7))


def open_week(api, week=WEEK, as_="marketer"):
    response = api.post("/reviews", as_, json={"iso_week": week})
    assert response.status_code == 201, response.json
    return response.json


def test_open_read_and_refuse_a_second_opening(api):
    review = open_week(api)
    assert review["iso_week"] == WEEK and review["status"] == "draft" and review["decisions"] == []
    names = [row["metric"] for row in review["kpis"]]
    assert "Leads" in names and all(row["value"] is None for row in review["kpis"])
    again = api.post("/reviews", "lead", json={"iso_week": WEEK})
    assert again.status_code == 409 and again.json["error"]["code"] == "conflict"
    read = api.get(f"/reviews/{WEEK}", "marketer")
    assert read.status_code == 200 and read.json["id"] == review["id"]


def test_open_defaults_to_this_week_and_refuses_bad_weeks(api):
    assert api.post("/reviews", "lead").json["iso_week"] == WEEK
    future = api.post("/reviews", "lead", json={"iso_week": NEXT_WEEK})
    assert future.status_code == 422 and "iso_week" in future.json["error"]["fields"]
    malformed = api.post("/reviews", "lead", json={"iso_week": "2026-47"})
    assert malformed.status_code == 422
    assert api.post("/reviews", "lead", json={"iso_week": WEEK, "x": 1}).status_code == 422
    assert api.get("/reviews/2026-W99").status_code == 404
    assert api.get("/reviews/not-a-week").status_code == 404


def test_kpi_values_by_name_with_change_against_last_week(api):
    open_week(api, LAST_WEEK)
    saved = api.post(
        f"/reviews/{LAST_WEEK}/kpis",
        "marketer",
        json={"values": [{"metric": "Leads", "value": 400}]},
    )
    assert saved.status_code == 200, saved.json
    open_week(api, WEEK)
    response = api.post(
        f"/reviews/{WEEK}/kpis",
        "marketer",
        json={
            "values": [
                {"metric": "leads", "value": 412},
                {"metric": "Cost per lead", "value": 12.5},
            ]
        },
    )
    assert response.status_code == 200, response.json
    rows = {row["metric"]: row for row in response.json["kpis"]}
    assert rows["Leads"]["value"] == 412 and rows["Leads"]["previous"] == 400
    assert rows["Leads"]["delta"] == 12 and rows["Leads"]["good"] is True
    assert rows["Cost per lead"]["value"] == 12.5 and rows["Cost per lead"]["previous"] is None
    cleared = api.post(
        f"/reviews/{WEEK}/kpis", json={"values": [{"metric": "Leads", "value": None}]}
    )
    assert {r["metric"]: r["value"] for r in cleared.json["kpis"]}["Leads"] is None


def test_kpi_refusals(api):
    open_week(api)
    unknown = api.post(f"/reviews/{WEEK}/kpis", json={"values": [{"metric": "Vanity", "value": 1}]})
    assert unknown.status_code == 422 and "Vanity" in str(unknown.json["error"]["fields"])
    twice = api.post(
        f"/reviews/{WEEK}/kpis",
        json={"values": [{"metric": "Leads", "value": 1}, {"metric": "LEADS", "value": 2}]},
    )
    assert twice.status_code == 422
    text = api.post(f"/reviews/{WEEK}/kpis", json={"values": [{"metric": "Leads", "value": "1"}]})
    assert text.status_code == 422
    huge = api.post(f"/reviews/{WEEK}/kpis", json={"values": [{"metric": "Leads", "value": 1e300}]})
    assert huge.status_code == 422
    assert api.post(f"/reviews/{LAST_WEEK}/kpis", json={"values": []}).status_code == 404


def test_decisions_with_owner_email_due_date_and_hypothesis(api, db, team, users):
    hypothesis = factories.make_hypothesis(db, team=team)
    open_week(api)
    response = api.post(
        f"/reviews/{WEEK}/decisions",
        "marketer",
        json={
            "text": "Ship the short form to all traffic",
            "owner_email": users["lead"].email.upper(),
            "due": "2026-12-01",
            "hypothesis_id": hypothesis.id,
        },
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert body["owner_id"] == users["lead"].id and body["owner_name"] == users["lead"].name
    assert body["due"] == "2026-12-01" and body["hypothesis_id"] == hypothesis.id
    assert body["status"] == "open"
    listed = api.get(f"/reviews/{WEEK}", "marketer").json["decisions"]
    assert [d["id"] for d in listed] == [body["id"]]


def test_decision_refusals_name_their_field(api, db, users):
    open_week(api)
    outsider = factories.make_user(db)
    cases = [
        ({"text": "x", "owner_email": outsider.email, "due": "2026-12-01"}, "owner_email"),
        ({"text": "x", "owner_email": "nobody@example.com", "due": "2026-12-01"}, "owner_email"),
        ({"text": " ", "owner_email": users["lead"].email, "due": "2026-12-01"}, "text"),
        ({"text": "x", "owner_email": users["lead"].email, "due": "2026-13-01"}, "due"),
        (
            {
                "text": "x",
                "owner_email": users["lead"].email,
                "due": "2026-12-01",
                "hypothesis_id": 99999,
            },
            "hypothesis_id",
        ),
    ]
    for body, field in cases:
        response = api.post(f"/reviews/{WEEK}/decisions", json=body)
        assert response.status_code == 422, (body, response.json)
        assert field in response.json["error"]["fields"], (field, response.json)


def test_publish_is_for_leads_and_makes_the_review_read_only(api, users):
    open_week(api)
    no_decision = api.post(f"/reviews/{WEEK}/publish", "lead")
    assert no_decision.status_code == 409
    api.post(
        f"/reviews/{WEEK}/decisions",
        json={
            "text": "Kill the banner test",
            "owner_email": users["marketer"].email,
            "due": "2026-12-01",
        },
    )
    assert api.post(f"/reviews/{WEEK}/publish", "marketer").status_code == 403
    unexplained = api.post(f"/reviews/{WEEK}/publish", "lead")  # 1 decision, no KPI values
    assert unexplained.status_code == 422 and "reason" in unexplained.json["error"]["fields"]
    published = api.post(f"/reviews/{WEEK}/publish", "lead", json={"reason": "Short week."})
    assert published.status_code == 200, published.json
    assert published.json["publish_reason"] == "Short week."
    assert published.json["status"] == "published" and published.json["published_at"]
    assert any("decisions" in w for w in published.json["warnings"])
    late = api.post(f"/reviews/{WEEK}/kpis", json={"values": [{"metric": "Leads", "value": 1}]})
    assert late.status_code == 409
    assert api.post(f"/reviews/{WEEK}/publish", "lead").status_code == 409


def test_viewers_see_published_reviews_only(api, users):
    open_week(api, LAST_WEEK)
    open_week(api, WEEK)
    api.post(
        f"/reviews/{LAST_WEEK}/decisions",
        json={"text": "Go", "owner_email": users["lead"].email, "due": "2026-12-01"},
    )
    api.post(f"/reviews/{LAST_WEEK}/publish", "lead", json={"reason": "Short week."})
    as_viewer = api.get("/reviews", "viewer").json["items"]
    assert [r["iso_week"] for r in as_viewer] == [LAST_WEEK]
    assert as_viewer[0]["decisions"] == 1 and as_viewer[0]["open"] == 1
    assert api.get(f"/reviews/{WEEK}", "viewer").status_code == 404
    assert api.get(f"/reviews/{LAST_WEEK}", "viewer").status_code == 200
    as_marketer = api.get("/reviews", "marketer").json["items"]
    assert [r["iso_week"] for r in as_marketer] == [WEEK, LAST_WEEK]
    assert api.post("/reviews", "viewer", json={}).status_code == 403
