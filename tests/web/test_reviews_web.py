"""The weekly review in the browser, per role: viewers read and mark read, marketers draft,
leads publish and edit the metric catalog."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from conftest import fresh
from sqlmodel import select

from hypotheses.domain.core import weeks
from hypotheses.domain.reviews import decisions as review_decisions
from hypotheses.domain.reviews import kpis
from hypotheses.domain.reviews import lifecycle as reviews
from hypotheses.domain.reviews import queries as review_queries
from hypotheses.domain.reviews.metrics import list_metrics
from hypotheses.models import KpiValue, Metric, Review, ReviewDecision, ReviewRead

WEEK = weeks.iso_week_of()


def _draft(db, team, user):
    return reviews.open_review(db, team=team, actor=user)


def _decide(db, team, user, review, text="Ship the short lead form"):
    return review_decisions.add_decision(
        db,
        team=team,
        actor=user,
        review=review,
        text=text,
        owner_id=user.id,
        due=date.today() + timedelta(days=7),
    )


def _published(db, team, users, *texts):
    review = _draft(db, team, users["lead"])
    for text in texts or ("Ship the short lead form",):
        _decide(db, team, users["lead"], review, text)
    reviews.publish(
        db,
        team=team,
        actor=users["lead"],
        review=review,
        reason="Short week: fewer decisions and KPI values.",
    )
    return review


def _decision_form(
    owner, text="Call every lead within 15 minutes", due="2030-01-10", hypothesis=""
):
    return {"text": text, "owner_id": str(owner.id), "due": due, "hypothesis_id": hypothesis}


# ---------------------------------------------------------------- viewer


def test_viewer_reads_published_reviews_and_marks_them_read(client, auth, db, team, users):
    review = _published(db, team, users, "Ship the short lead form", "Kill the popup")
    auth.login("viewer")
    page = client.get("/reviews/").get_data(as_text=True)
    assert WEEK in page and "Open this week" not in page
    read = client.get(f"/reviews/{WEEK}")
    assert read.status_code == 200
    body = read.get_data(as_text=True)
    assert "Kill the popup" in body and "Mark as read" in body and "Who has read it" not in body
    assert client.post(f"/reviews/{WEEK}/read").status_code == 302
    assert client.post(f"/reviews/{WEEK}/read").status_code == 302  # idempotent
    rows = db.exec(
        select(ReviewRead).where(
            ReviewRead.review_id == review.id, ReviewRead.user_id == users["viewer"].id
        )
    ).all()
    assert len(rows) == 1
    db.commit()  # end the read transaction before the next request
    assert "You have read this review" in client.get(f"/reviews/{WEEK}").get_data(as_text=True)


def test_viewer_cannot_edit_anything(client, auth, db, team, users):
    review = _draft(db, team, users["marketer"])
    auth.login("viewer")
    assert "still a draft" in client.get(f"/reviews/{WEEK}").get_data(as_text=True)
    assert (
        client.get(f"/reviews/{WEEK}/markdown").status_code == 404
    )  # drafts are not shown to viewers
    metric = list_metrics(db, team=team)[0]
    db.commit()  # end the read transaction before the next request
    for url, data in [
        ("/reviews/open", {}),
        (f"/reviews/{WEEK}/kpis", {f"kpi_{metric.id}": "5"}),
        (f"/reviews/{WEEK}/decisions", _decision_form(users["viewer"])),
        (f"/reviews/{WEEK}/details", {"notes": "x", "version": "1"}),
        (f"/reviews/{WEEK}/publish", {}),
        (f"/reviews/metrics/{metric.id}", {"name": "X"}),
        ("/reviews/metrics/new", {"name": "X"}),
    ]:
        assert client.post(url, data=data).status_code == 403, url
    assert db.exec(select(KpiValue)).all() == [] and db.exec(select(ReviewDecision)).all() == []
    assert fresh(db, review).notes == ""


def test_viewer_sees_catalog_read_only(client, auth, team, users):
    auth.login("viewer")
    page = client.get("/reviews/metrics").get_data(as_text=True)
    assert "Cost per lead" in page and "Only a team lead edits the catalog." in page
    assert "Add a metric" not in page


# ---------------------------------------------------------------- marketer


def test_marketer_opens_the_week_once(client, auth, db, team, users):
    auth.login("marketer")
    page = client.get("/reviews/").get_data(as_text=True)
    assert "Open this week&#39;s review" in page or "Open this week's review" in page
    response = client.post("/reviews/open")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/reviews/{WEEK}")
    again = client.post("/reviews/open", follow_redirects=True)
    body = again.get_data(as_text=True)
    assert f"The review for {WEEK} is already open." in body
    assert f'href="/reviews/{WEEK}"' in body and "Open the existing review" in body
    assert len(db.exec(select(Review)).all()) == 1


def test_marketer_drafts_kpis_decisions_and_notes(client, auth, db, team, users):
    review = _draft(db, team, users["marketer"])
    auth.login("marketer")
    editor = client.get(f"/reviews/{WEEK}").get_data(as_text=True)
    assert "KPI snapshot" in editor and "Agenda" in editor and "Publish review" not in editor
    assert "<svg" in editor and "<title>" in editor
    leads = next(m for m in list_metrics(db, team=team) if m.name == "Leads")
    db.commit()  # end the read transaction before the next request
    assert client.post(f"/reviews/{WEEK}/kpis", data={f"kpi_{leads.id}": "412"}).status_code == 302
    assert db.exec(select(KpiValue.value).where(KpiValue.metric_id == leads.id)).one() == 412
    db.commit()  # end the read transaction before the next request
    response = client.post(f"/reviews/{WEEK}/decisions", data=_decision_form(users["lead"]))
    assert response.status_code == 302
    decision = db.exec(select(ReviewDecision)).one()
    db.commit()  # end the read transaction before the next request
    assert (decision.owner_id, decision.due) == (users["lead"].id, date(2030, 1, 10))
    response = client.post(
        f"/reviews/{WEEK}/details",
        data={
            "members": [users["lead"].name, users["marketer"].name],
            "guests": "Sam from sales",
            "notes": "Speed to lead matters.",
            "version": str(review.version),
        },
    )
    assert response.status_code == 302
    saved = fresh(db, review)
    assert saved.attendees == f"{users['lead'].name}, {users['marketer'].name}, Sam from sales"
    assert saved.notes == "Speed to lead matters."
    db.commit()  # end the read transaction before the next request
    assert client.post(f"/reviews/{WEEK}/publish").status_code == 403


@pytest.mark.parametrize("bad", ["nan", "inf", "1_000", "abc", "１２", "1e400"])
def test_bad_kpi_values_get_a_field_error_and_nothing_is_saved(client, auth, db, team, users, bad):
    _draft(db, team, users["marketer"])
    auth.login("marketer")
    metrics = list_metrics(db, team=team, tracked_only=True)
    db.commit()  # end the read transaction before the next request
    response = client.post(
        f"/reviews/{WEEK}/kpis", data={f"kpi_{metrics[0].id}": "10", f"kpi_{metrics[1].id}": bad}
    )
    assert response.status_code == 422
    assert "invalid-feedback" in response.get_data(as_text=True)
    assert db.exec(select(KpiValue)).all() == []


def test_decision_form_errors_stay_next_to_the_fields(client, auth, db, team, users):
    _draft(db, team, users["marketer"])
    auth.login("marketer")
    outsider_form = _decision_form(users["lead"], text="", due="2030-13-45")
    outsider_form["owner_id"] = "99999"
    response = client.post(f"/reviews/{WEEK}/decisions", data=outsider_form)
    assert response.status_code == 422
    assert response.get_data(as_text=True).count("invalid-feedback") >= 3
    assert db.exec(select(ReviewDecision)).all() == []


def test_stale_notes_form_is_refused_and_shows_what_changed(client, auth, db, team, users):
    review = _draft(db, team, users["marketer"])
    loaded = review.version
    reviews.update_details(
        db,
        team=team,
        actor=users["lead"],
        review=review,
        attendees="Lena",
        notes="The lead's notes",
        version=loaded,
    )
    auth.login("marketer")
    response = client.post(
        f"/reviews/{WEEK}/details", data={"notes": "My notes", "version": str(loaded)}
    )
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "Someone else saved this record" in body and "The lead&#39;s notes" in body
    assert fresh(db, review).notes == "The lead's notes"


def test_earlier_decisions_are_marked_done_or_carried_over(client, auth, db, team, users):
    old = reviews.open_review(db, team=team, actor=users["lead"], iso_week="2026-W01")
    a = _decide(db, team, users["lead"], old, "Done one")
    b = _decide(db, team, users["lead"], old, "Carry me")
    _draft(db, team, users["marketer"])
    auth.login("marketer")
    editor = client.get(f"/reviews/{WEEK}").get_data(as_text=True)
    assert "Done one" in editor and "Carry over" in editor
    assert client.post(f"/reviews/{WEEK}/earlier/{a.id}/done").status_code == 302
    assert client.post(f"/reviews/{WEEK}/earlier/{b.id}/carried").status_code == 302
    assert (fresh(db, a).status, fresh(db, b).status) == ("done", "carried")
    copy = db.exec(select(ReviewDecision).where(ReviewDecision.carried_from_id == b.id)).one()
    assert copy.status == "open" and copy.text == "Carry me"


# ---------------------------------------------------------------- lead


def test_lead_publishes_and_sees_readers_and_adds_an_addendum(client, auth, db, team, users):
    review = _draft(db, team, users["marketer"])
    auth.login("lead")
    refused = client.post(f"/reviews/{WEEK}/publish")
    assert refused.status_code == 409 and "at least one decision" in refused.get_data(as_text=True)
    _decide(db, team, users["marketer"], review)
    unexplained = client.post(f"/reviews/{WEEK}/publish")  # outside the rules, no reason
    assert unexplained.status_code == 422 and 'id="publish-reason-error"' in unexplained.text
    assert "Only 1 decision recorded" in unexplained.text and fresh(db, review).status == "draft"
    db.commit()
    response = client.post(
        f"/reviews/{WEEK}/publish", data={"reason": "Short week."}, follow_redirects=True
    )
    body = response.get_data(as_text=True)
    assert "is published" in body and "1 decisions so far" in body  # with a reason: a warning
    assert "Published outside the rules because" in body and "Short week." in body
    assert fresh(db, review).status == "published"
    db.commit()  # end the read transaction before the next request
    assert "Who has read it" in body and "not yet" in body
    assert "Add a decision" not in body
    # Read-only now: editing is refused, corrections are addenda.
    leads = list_metrics(db, team=team)[0]
    db.commit()  # end the read transaction before the next request
    client.post(f"/reviews/{WEEK}/kpis", data={f"kpi_{leads.id}": "1"})
    assert db.exec(select(KpiValue)).all() == []
    db.commit()  # end the read transaction before the next request
    assert client.post(f"/reviews/{WEEK}/addenda", data={"text": ""}).status_code == 422
    response = client.post(
        f"/reviews/{WEEK}/addenda", data={"text": "Leads were 412, not 421."}, follow_redirects=True
    )
    assert "Leads were 412, not 421." in response.get_data(as_text=True)


def test_exports_print_and_markdown(client, auth, db, team, users):
    review = _published(db, team, users, "Ship | the short form", "Kill the popup", "Hire a caller")
    auth.login("viewer")
    printed = client.get(f"/reviews/{WEEK}/print")
    assert printed.status_code == 200 and "Kill the popup" in printed.get_data(as_text=True)
    md = client.get(f"/reviews/{WEEK}/markdown")
    assert md.status_code == 200
    assert (
        md.headers["Content-Disposition"] == f'attachment; filename="review-{review.iso_week}.md"'
    )
    assert md.mimetype == "text/markdown"
    assert md.headers["Content-Type"] == "text/markdown; charset=utf-8"  # charset said once
    text = md.get_data(as_text=True)
    assert "## Decisions" in text and "Ship \\| the short form" in text and "Hire a caller" in text


def test_malformed_week_is_not_found(client, auth, users):
    auth.login("lead")
    assert client.get("/reviews/2026-W60").status_code == 404
    assert client.get("/reviews/2026-W01").status_code == 404  # no review that week


def test_lead_edits_the_metric_catalog(client, auth, db, team, users):
    auth.login("lead")
    cac = db.exec(select(Metric).where(Metric.team_id == team.id, Metric.name == "CAC")).one()
    db.commit()  # end the read transaction before the next request
    assert client.get(f"/reviews/metrics/{cac.id}").status_code == 200
    response = client.post(
        f"/reviews/metrics/{cac.id}",
        data={
            "name": "Customer acquisition cost",
            "unit": "money",
            "direction": "down",
            "fmt": "0",
        },
    )
    assert response.status_code == 302
    saved = fresh(db, cac)
    db.commit()  # end the read transaction before the next request
    assert (saved.name, saved.fmt, saved.tracked) == ("Customer acquisition cost", "0", False)
    clash = client.post(
        f"/reviews/metrics/{cac.id}",
        data={"name": "Leads", "unit": "money", "direction": "down", "fmt": "0", "tracked": "y"},
    )
    assert clash.status_code == 422 and "already has this name" in clash.get_data(as_text=True)
    bad = client.post(
        "/reviews/metrics/new",
        data={"name": "Churn", "unit": "parsecs", "direction": "up", "fmt": "1", "tracked": "y"},
    )
    assert bad.status_code == 422
    assert (
        client.post(
            "/reviews/metrics/new",
            data={
                "name": "Churn",
                "unit": "percent",
                "direction": "down",
                "fmt": "1",
                "tracked": "y",
            },
        ).status_code
        == 302
    )
    names = [m.name for m in list_metrics(db, team=team)]
    db.commit()  # end the read transaction before the next request
    assert names[-1] == "Churn"
    assert client.post(f"/reviews/metrics/{cac.id}/up").status_code == 302
    assert [m.name for m in list_metrics(db, team=team)].index("Customer acquisition cost") == 2


def test_marketer_cannot_edit_the_catalog(client, auth, db, team, users):
    auth.login("marketer")
    metric = list_metrics(db, team=team)[0]
    db.commit()  # end the read transaction before the next request
    assert client.get(f"/reviews/metrics/{metric.id}").status_code == 403
    assert client.post(f"/reviews/metrics/{metric.id}/down").status_code == 403


def test_demo_has_six_published_reviews_and_a_draft(app, db):
    from hypotheses.demo import load_demo

    team = load_demo(db, instance_path=app.instance_path, hash_method="pbkdf2:sha256:1000")
    rows = review_queries.list_reviews(db, team=team)
    assert [r.review.status for r in rows] == ["draft"] + ["published"] * 6
    assert rows[0].review.iso_week == WEEK
    assert all(3 <= r.total <= 7 for r in rows[1:])
    assert sum(r.done for r in rows) > 0 and sum(r.carried for r in rows) > 0
    tracked = [m for m in list_metrics(db, team=team) if m.tracked]
    assert len(tracked) == 8
    table = kpis.kpi_table(db, team=team, review=rows[1].review)
    assert len(table.rows) == 10 and all(
        r.value is not None and r.previous is not None for r in table.rows
    )
    assert review_decisions.earlier_open(db, team=team, review=rows[0].review)
