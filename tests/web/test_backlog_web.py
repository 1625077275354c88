"""The backlog in the browser: list, create, score, approve/reject, roles, bad input, CSRF."""

from __future__ import annotations

import re

import conftest
import factories
import pytest
from helpers import text
from sqlmodel import Session, select

from hypotheses import create_app
from hypotheses.db import ENGINE_KEY
from hypotheses.models import AuditEntry, Hypothesis

FORM = {
    "title": "Shorter lead form",
    "change": "Cut the form to 3 fields",
    "audience": "All visitors",
    "expected_effect": "Lead rate +20%",
    "rationale": "Drop-off on field 4",
    "stage": "lead",
    "lever": "conversion",
    "subject": "landing page",
    "channel": "Website",
    "owner_id": "",
    "tags": "form",
    "links": "",
    "impact": "7",
    "confidence": "6",
    "ease": "9",
}


def reload(db: Session, obj):
    """Read *obj* again from the database and end the read (SQLite holds a lock per transaction)."""
    row = db.get(type(obj), obj.id, populate_existing=True)
    db.commit()
    return row


def rows(db: Session, model=Hypothesis) -> int:
    n = len(db.exec(select(model)).all())
    db.commit()
    return n


def order(response) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="row-(\d+)"', text(response))]


# ------------------------------------------------------------------ reading


def test_list_shows_health_scores_and_stable_ids(client, auth, db, team, users):
    low = factories.make_hypothesis(db, team=team, title="Low one", impact=2, confidence=2, ease=2)
    high = factories.make_hypothesis(
        db, team=team, title="High one", impact=9, confidence=9, ease=9
    )
    auth.login("marketer")
    page = client.get("/backlog/")
    body = text(page)
    assert page.status_code == 200
    assert order(page) == [high.id, low.id]
    assert f'id="score-{high.id}">9.0<' in body and f'id="score-{low.id}">2.0<' in body
    assert f'id="ice-impact-{low.id}"' in body and f'id="ice-version-{low.id}"' in body
    assert 'id="backlog-health"' in body and "Only 2 in the backlog" in body
    assert 'aria-valuenow="2"' in body and "Below the minimum" in body
    assert 'id="new-hypothesis"' in body
    dashboard = text(client.get("/"))
    assert 'id="backlog-health"' in dashboard and "Only 2 in the backlog" in dashboard


def test_filters_search_and_odd_query_strings(client, auth, db, team):
    factories.make_hypothesis(db, team=team, title="Trust offer", stage="trust", subject="offer")
    factories.make_hypothesis(db, team=team, title="Sale pricing", stage="sale", subject="pricing")
    factories.make_hypothesis(db, team=team, title="Old idea", status="archived")
    auth.login("viewer")
    body = text(client.get("/backlog/?stage=trust"))
    assert "Trust offer" in body and "Sale pricing" not in body
    body = text(client.get("/backlog/?q=PRICING"))
    assert "Sale pricing" in body and "Trust offer" not in body
    assert "Old idea" not in text(client.get("/backlog/"))
    assert "Old idea" in text(client.get("/backlog/?status=all"))
    for query in (
        "?status=bogus&page=abc",
        "?sort=%27;drop",
        "?owner_id=x&stage=moon",
        "?page=-3",
        "?q=" + "%25" * 500,
        "?page=99999999999999999999",
    ):
        assert client.get("/backlog/" + query).status_code == 200, query


def test_pagination(app, client, auth, db, team):
    app.config["PAGE_SIZE"] = 3
    for n in range(7):
        factories.make_hypothesis(db, team=team, title=f"Paged {n}", impact=10 - n)
    auth.login("viewer")
    first, third = client.get("/backlog/?sort=score"), client.get("/backlog/?sort=score&page=3")
    assert len(order(first)) == 3 and len(order(third)) == 1
    assert "page=2" in text(first) and "7 hypotheses" in text(first)


def test_detail_reads_as_a_sentence_with_history(client, auth, db, team, users):
    parent = factories.make_hypothesis(db, team=team)
    hypothesis = factories.make_hypothesis(
        db,
        team=team,
        author=users["marketer"],
        parent_id=parent.id,
        change="<b>bold</b>",
        links="https://example.com/research",
    )
    auth.login("viewer")
    body = text(client.get(f"/backlog/{hypothesis.id}"))
    assert 'If we <strong class="text-pre">&lt;b&gt;bold&lt;/b&gt;</strong> for' in body
    assert f"Follow-up of #{parent.id}" in body
    assert 'href="https://example.com/research"' in body
    assert "(Impact 5 + Confidence 5 + Ease 5) / 3" in body
    assert 'id="approve-hypothesis"' not in body and 'id="edit-hypothesis"' not in body


# ------------------------------------------------------------------ roles


def test_viewer_reads_only_and_every_change_is_refused(client, auth, db, team, users):
    hypothesis = factories.make_hypothesis(db, team=team, author=users["marketer"])
    idea = factories.make_hypothesis(db, team=team, status="idea")
    auth.login("viewer")
    body = text(client.get("/backlog/"))
    assert "ice-form-" not in body and 'id="new-hypothesis"' not in body
    assert client.get("/backlog/new").status_code == 403
    assert client.get(f"/backlog/{hypothesis.id}/edit").status_code == 403
    posts = {
        "/backlog/new": FORM,
        f"/backlog/{hypothesis.id}/edit": {**FORM, "version": "1"},
        f"/backlog/{hypothesis.id}/score": {
            "impact": "9",
            "confidence": "9",
            "ease": "9",
            "version": "1",
        },
        f"/backlog/{hypothesis.id}/approve": {"version": "1"},
        f"/backlog/{hypothesis.id}/reject": {"reason": "no", "version": "1"},
        f"/backlog/{hypothesis.id}/archive": {"version": "1"},
        f"/backlog/{idea.id}/promote": {"version": "1"},
        f"/backlog/{hypothesis.id}/restore": {"version": "1"},
    }
    for url, data in posts.items():
        assert client.post(url, data=data).status_code == 403, url
    assert rows(db) == 2 and rows(db, AuditEntry) == 0
    assert reload(db, hypothesis).impact == 5 and reload(db, idea).status == "idea"


def test_marketer_cannot_approve_or_reject(client, auth, db, team, users):
    hypothesis = factories.make_hypothesis(db, team=team, author=users["lead"])
    auth.login("marketer")
    assert client.post(f"/backlog/{hypothesis.id}/approve", data={}).status_code == 403
    assert client.post(f"/backlog/{hypothesis.id}/reject", data={"reason": "x"}).status_code == 403
    body = text(client.get(f"/backlog/{hypothesis.id}"))
    assert 'id="approve-hypothesis"' not in body and 'id="reject-form"' not in body
    assert 'id="edit-hypothesis"' in body and 'id="archive-hypothesis"' in body
    assert reload(db, hypothesis).status == "backlog"


def test_state_changes_need_post(client, auth, db, team):
    hypothesis = factories.make_hypothesis(db, team=team)
    auth.login("lead")
    for action in ("approve", "reject", "archive", "promote", "restore", "score"):
        assert client.get(f"/backlog/{hypothesis.id}/{action}").status_code == 405


def test_another_teams_hypothesis_is_404_everywhere(client, auth, db, team):
    foreign = factories.make_hypothesis(
        db, team=factories.make_team(db, "Other team"), title="Secret"
    )
    auth.login("lead")
    for path in ("", "/edit"):
        response = client.get(f"/backlog/{foreign.id}{path}")
        assert response.status_code == 404 and "Secret" not in text(response)
    for action, data in (
        ("edit", {**FORM, "version": "1"}),
        ("approve", {}),
        ("archive", {}),
        ("promote", {}),
        ("restore", {}),
        ("reject", {"reason": "x"}),
        ("score", {"impact": "1", "confidence": "1", "ease": "1", "version": "1"}),
    ):
        assert client.post(f"/backlog/{foreign.id}/{action}", data=data).status_code == 404, action
    assert client.get("/backlog/999999").status_code == 404
    stored = reload(db, foreign)
    assert (stored.title, stored.status, stored.impact) == ("Secret", "backlog", 5)


# ------------------------------------------------------------------ create and bad input


def test_create_enters_the_backlog(client, auth, db, team, users):
    auth.login("marketer")
    form = client.get("/backlog/new")
    assert form.status_code == 200
    assert re.search(rf'<option selected value="{users["marketer"].id}"', text(form))
    response = client.post(
        "/backlog/new", data={**FORM, "owner_id": str(users["lead"].id)}, follow_redirects=True
    )
    assert response.status_code == 200 and "Added “Shorter lead form” to the backlog." in text(
        response
    )
    stored = db.exec(select(Hypothesis)).one()
    db.commit()
    assert (stored.status, stored.owner_id, stored.created_by_id) == (
        "backlog",
        users["lead"].id,
        users["marketer"].id,
    )
    assert rows(db, AuditEntry) == 1


def test_create_when_the_backlog_is_full_keeps_an_idea_and_says_why(client, auth, db):
    team = factories.make_team(db, "Test team", backlog_min=0, backlog_max=1)
    factories.make_hypothesis(db, team=team)
    auth.login("marketer")
    assert "will be saved as an idea" in text(client.get("/backlog/new"))
    response = client.post("/backlog/new", data=FORM, follow_redirects=True)
    body = text(response)
    assert "The backlog is full (1 of 1), so this hypothesis stays an idea" in body
    assert "reject or archive some" in body
    assert (
        db.exec(select(Hypothesis).where(Hypothesis.title == FORM["title"])).one().status == "idea"
    )
    db.commit()


BAD_INPUT = [
    ("title", "", "A title is required."),
    ("title", "   ", "A title is required."),
    ("title", "t" * 10_000, "200"),
    ("rationale", "r" * 10_000, "4000"),
    ("impact", "0", "Use a whole number from 1 to 10."),
    ("confidence", "11", "Use a whole number from 1 to 10."),
    ("ease", "nan", "Enter a whole number"),
    ("impact", "1_000", "Enter a whole number"),
    ("impact", "", "Give a score from 1 to 10."),
    ("impact", "１２", "Enter a whole number"),
    ("stage", "moon", "Not a valid choice"),
    ("owner_id", "999", "Not a valid choice"),
    ("links", "javascript:alert(1)", "must start with http"),
    ("change", "a\x00b", "control characters"),
]


def test_bad_input_gets_a_field_error_and_writes_nothing(client, auth, db, team):
    auth.login("marketer")
    for field, value, message in BAD_INPUT:
        response = client.post("/backlog/new", data={**FORM, field: value})
        body = text(response)
        assert response.status_code == 422, (field, value)
        assert message in body, (field, value)
        assert f'id="{field}-error"' in body  # the message sits next to its field
    assert rows(db) == 0 and rows(db, AuditEntry) == 0


def test_edit_with_bad_input_changes_nothing(client, auth, db, team):
    hypothesis = factories.make_hypothesis(db, team=team, title="Keep me")
    auth.login("marketer")
    response = client.post(
        f"/backlog/{hypothesis.id}/edit", data={**FORM, "title": "", "impact": "11", "version": "1"}
    )
    assert response.status_code == 422 and "A title is required." in text(response)
    stored = reload(db, hypothesis)
    assert (stored.title, stored.impact, stored.version) == ("Keep me", 5, 1)


def test_a_form_without_its_version_is_refused(client, auth, db, team):
    hypothesis = factories.make_hypothesis(db, team=team, title="Keep me")
    auth.login("marketer")
    response = client.post(f"/backlog/{hypothesis.id}/edit", data={**FORM, "version": ""})
    assert response.status_code == 422 and "Reload the page" in text(response)
    response = client.post(f"/backlog/{hypothesis.id}/edit", data={**FORM, "version": "nan"})
    assert response.status_code == 422
    assert reload(db, hypothesis).title == "Keep me"


# ------------------------------------------------------------------ score, approve, reject, archive


def test_scoring_inline_changes_the_order(client, auth, db, team):
    first = factories.make_hypothesis(db, team=team, title="First", impact=8, confidence=8, ease=8)
    second = factories.make_hypothesis(
        db, team=team, title="Second", impact=3, confidence=3, ease=3
    )
    auth.login("marketer")
    assert order(client.get("/backlog/")) == [first.id, second.id]
    response = client.post(
        f"/backlog/{second.id}/score?stage=lead",
        data={"impact": "10", "confidence": "9", "ease": "10", "version": "1"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/backlog/?stage=lead#row-{second.id}")
    page = client.get("/backlog/")
    assert order(page) == [second.id, first.id] and "Scores of “Second” saved" in text(page)
    assert reload(db, second).version == 2


def test_scoring_bad_values_shows_the_error_in_the_row(client, auth, db, team):
    hypothesis = factories.make_hypothesis(db, team=team)
    auth.login("marketer")
    for value in ("0", "11", "nan", "1_000", "", "7.5"):
        _bad_score(client, db, hypothesis, value)


def _bad_score(client, db, hypothesis, value):
    response = client.post(
        f"/backlog/{hypothesis.id}/score",
        data={"impact": value, "confidence": "5", "ease": "5", "version": "1"},
    )
    assert response.status_code == 422
    assert f'id="ice-impact-{hypothesis.id}-error"' in text(response)
    stored = reload(db, hypothesis)
    assert (stored.impact, stored.version) == (5, 1)


def test_lead_approves_then_an_edit_resets_the_approval(client, auth, db, team, users):
    hypothesis = factories.make_hypothesis(db, team=team, author=users["marketer"])
    auth.login("lead")
    response = client.post(
        f"/backlog/{hypothesis.id}/approve", data={"version": "1"}, follow_redirects=True
    )
    assert "Approved “" in text(response) and 'id="approval-info"' in text(response)
    stored = reload(db, hypothesis)
    assert (stored.status, stored.approved_by_id, stored.version) == (
        "approved",
        users["lead"].id,
        2,
    )
    auth.login("marketer")
    response = client.post(
        f"/backlog/{hypothesis.id}/edit",
        data={**FORM, "version": "2", "owner_id": str(users["marketer"].id)},
        follow_redirects=True,
    )
    assert "went back to the backlog and needs a lead&#39;s approval again" in text(response)
    assert "The approval was reset" in text(response)
    assert reload(db, hypothesis).status == "backlog"


def test_the_author_cannot_approve_their_own(client, auth, db, team, users):
    hypothesis = factories.make_hypothesis(db, team=team, author=users["lead"])
    auth.login("lead")
    body = text(client.get(f"/backlog/{hypothesis.id}"))
    assert "another lead approves it" in body and 'id="approve-hypothesis"' not in body
    response = client.post(f"/backlog/{hypothesis.id}/approve", data={}, follow_redirects=True)
    assert "another lead must approve it" in text(response)
    assert reload(db, hypothesis).status == "backlog"


def test_reject_needs_a_reason(client, auth, db, team):
    hypothesis = factories.make_hypothesis(db, team=team)
    auth.login("lead")
    for reason in ("", "   ", "x" * 1001):
        response = client.post(
            f"/backlog/{hypothesis.id}/reject", data={"reason": reason, "version": "1"}
        )
        assert response.status_code == 422 and 'id="reject-reason-error"' in text(response)
    assert reload(db, hypothesis).status == "backlog"
    response = client.post(
        f"/backlog/{hypothesis.id}/reject",
        data={"reason": "Not our audience", "version": "1"},
        follow_redirects=True,
    )
    assert "Rejected “" in text(response) and "Not our audience" in text(response)
    stored = reload(db, hypothesis)
    assert (stored.status, stored.reject_reason) == ("rejected", "Not our audience")


def test_archive_promote_and_restore(client, auth, db):
    team = factories.make_team(db, "Test team", backlog_min=0, backlog_max=1)
    hypothesis = factories.make_hypothesis(db, team=team)
    idea = factories.make_hypothesis(db, team=team, status="idea")
    auth.login("marketer")
    response = client.post(f"/backlog/{idea.id}/promote", data={}, follow_redirects=True)
    assert "The backlog is full (1 of 1)" in text(response) and reload(db, idea).status == "idea"
    client.post(f"/backlog/{hypothesis.id}/archive", data={})
    assert reload(db, hypothesis).status == "archived"
    client.post(f"/backlog/{idea.id}/promote", data={})
    assert reload(db, idea).status == "backlog"
    response = client.post(f"/backlog/{hypothesis.id}/restore", data={}, follow_redirects=True)
    assert "waits as an idea" in text(response) and reload(db, hypothesis).status == "idea"
    running = factories.make_hypothesis(db, team=team, status="running")
    response = client.post(f"/backlog/{running.id}/archive", data={}, follow_redirects=True)
    assert "cannot be archived" in text(response) and reload(db, running).status == "running"
    rejected = factories.make_hypothesis(db, team=team, status="rejected")
    assert client.post(f"/backlog/{rejected.id}/restore", data={}).status_code == 403


def test_running_hypothesis_cannot_be_edited(client, auth, db, team):
    hypothesis = factories.make_hypothesis(db, team=team, status="running")
    auth.login("marketer")
    response = client.get(f"/backlog/{hypothesis.id}/edit", follow_redirects=True)
    assert "can no longer be edited" in text(response)
    response = client.post(f"/backlog/{hypothesis.id}/edit", data={**FORM, "version": "1"})
    assert response.status_code == 422 and "can no longer be edited" in text(response)
    assert reload(db, hypothesis).title != FORM["title"]


# ------------------------------------------------------------------ CSRF


@pytest.fixture
def csrf_app(tmp_path, _template_db):
    url = conftest.database_url(tmp_path, _template_db)
    app = create_app(
        conftest.test_config(url, WTF_CSRF_ENABLED=True), instance_path=tmp_path / "csrf"
    )
    yield app
    app.extensions[ENGINE_KEY].dispose()


def _token(response) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text(response))
    assert match, "page has no CSRF token"
    return match.group(1)


def test_posts_without_a_csrf_token_are_refused(csrf_app):
    with Session(csrf_app.extensions[ENGINE_KEY], expire_on_commit=False) as db:
        team = factories.make_team(db)
        lead = factories.make_user(db, team=team, role="lead")
        other = factories.make_hypothesis(db, team=team)
    client = csrf_app.test_client()
    page = client.get("/auth/login")
    client.post(
        "/auth/login",
        data={"email": lead.email, "password": conftest.PASSWORD, "csrf_token": _token(page)},
    )
    assert client.post("/backlog/new", data=FORM).status_code == 400
    assert client.post(f"/backlog/{other.id}/approve", data={"version": "1"}).status_code == 400
    assert (
        client.post(
            f"/backlog/{other.id}/score",
            data={"impact": "9", "confidence": "9", "ease": "9", "version": "1"},
        ).status_code
        == 400
    )
    with Session(csrf_app.extensions[ENGINE_KEY]) as db:
        assert len(db.exec(select(Hypothesis)).all()) == 1
        assert db.get(Hypothesis, other.id).status == "backlog"
        assert db.exec(select(AuditEntry).where(AuditEntry.entity == "hypothesis")).first() is None
    page = client.get("/backlog/new")
    response = client.post("/backlog/new", data={**FORM, "csrf_token": _token(page)})
    assert response.status_code == 302  # the same form with its token is accepted


def test_an_empty_backlog_invites_a_first_hypothesis_and_a_filter_says_it_filtered(
    client, auth, db, team, users
):
    auth.login("marketer")
    page = client.get("/backlog/?view=list").get_data(as_text=True)
    empty = page.split('id="backlog-empty"')[1].split("</td>")[0]
    assert "The team has no hypotheses yet." in empty and "match these filters" not in empty
    assert 'href="/backlog/new"' in page and 'href="/data/"' in page
    auth.login("viewer")
    page = client.get("/backlog/?view=list").get_data(as_text=True)
    assert "The team has no hypotheses yet." in page and 'href="/data/">Import' not in page
    factories.make_hypothesis(db, team=team, author=users["marketer"], stage="lead")
    auth.login("marketer")
    page = client.get("/backlog/?view=list&stage=sale").get_data(as_text=True)
    assert "No hypotheses match these filters." in page and "has no hypotheses yet" not in page
