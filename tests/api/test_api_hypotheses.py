"""API: hypotheses — create, read, list, edit with the optimistic lock, approve, reject, archive."""
# ruff: noqa: F811  (fixtures imported from api_support)

from __future__ import annotations

import factories
from api_support import api, fresh, new_hypothesis, rows, tokens  # noqa: F401  (fixtures)
from sqlmodel import select

from hypotheses.models import AuditEntry, Hypothesis


def test_create_returns_the_hypothesis_with_id_version_status_and_score(api, new_hypothesis, users):
    response = api.post("/hypotheses", "marketer", json=new_hypothesis)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["id"] > 0 and body["version"] == 1 and body["status"] == "backlog"
    assert body["score"] == round((8 + 5 + 7) / 3, 4)
    assert body["entered_backlog"] is True and body["message"] is None
    for name, value in new_hypothesis.items():
        assert body[name] == value
    assert body["owner_id"] == users["marketer"].id == body["created_by_id"]
    assert response.headers["Cache-Control"] == "no-store"


def test_create_writes_the_audit_trail(api, new_hypothesis, db):
    hypothesis_id = api.post("/hypotheses", "marketer", json=new_hypothesis).json["id"]
    entries = rows(
        db,
        select(AuditEntry).where(
            AuditEntry.entity == "hypothesis", AuditEntry.entity_id == hypothesis_id
        ),
    )
    assert [e.action for e in entries] == ["hypothesis.create"]


def test_full_backlog_keeps_new_hypothesis_as_idea(api, new_hypothesis, db, team):
    team.backlog_min, team.backlog_max = 0, 1
    db.add(team)
    db.commit()
    factories.make_hypothesis(db, team=team)
    body = api.post("/hypotheses", "marketer", json=new_hypothesis).json
    assert body["status"] == "idea" and body["entered_backlog"] is False
    assert "full" in body["message"]


def test_unknown_field_is_refused_and_nothing_saved(api, new_hypothesis, db):
    response = api.post("/hypotheses", json={**new_hypothesis, "colour": "red"})
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["colour"]
    assert rows(db, select(Hypothesis)) == []


def test_malformed_json_is_400(api):
    response = api.post("/hypotheses", data=b'{"title": ', content_type="application/json")
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_json"


def test_missing_body_is_400(api):
    assert api.post("/hypotheses").status_code == 400


def test_types_are_strict_and_values_checked_by_the_domain(api, new_hypothesis):
    wrong_type = api.post("/hypotheses", json={**new_hypothesis, "impact": "8"})
    assert wrong_type.status_code == 422
    assert wrong_type.json["error"]["fields"] == {"impact": ["Enter a whole number."]}
    out_of_range = api.post("/hypotheses", json={**new_hypothesis, "impact": 11, "stage": "moon"})
    assert out_of_range.status_code == 422
    fields = out_of_range.json["error"]["fields"]
    assert set(fields) == {"impact", "stage"}
    assert "1 to 10" in fields["impact"][0]
    boolean = api.post("/hypotheses", json={**new_hypothesis, "ease": True})
    assert boolean.status_code == 422


def test_missing_required_field_is_named(api, new_hypothesis):
    del new_hypothesis["title"]
    response = api.post("/hypotheses", json=new_hypothesis)
    assert response.status_code == 422
    assert "title" in response.json["error"]["fields"]


def test_blank_title_gets_the_domain_message(api, new_hypothesis):
    response = api.post("/hypotheses", json={**new_hypothesis, "title": "   "})
    assert response.status_code == 422
    assert response.json["error"]["fields"]["title"] == ["A title is required."]


def test_get_and_other_teams_hypothesis_is_404(api, db, team):
    own = factories.make_hypothesis(db, team=team, title="Ours")
    other_team = factories.make_team(db, name="Other")
    theirs = factories.make_hypothesis(db, team=other_team, title="Theirs")
    assert api.get(f"/hypotheses/{own.id}", "viewer").json["title"] == "Ours"
    missing = api.get(f"/hypotheses/{theirs.id}", "viewer")
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_found"
    assert api.get("/hypotheses/999999", "viewer").status_code == 404


def test_list_sorted_by_score_with_filters(api, db, team):
    low = factories.make_hypothesis(db, team=team, title="Low", impact=2, confidence=2, ease=2)
    high = factories.make_hypothesis(
        db, team=team, title="High", impact=9, confidence=9, ease=9, stage="sale"
    )
    mid = factories.make_hypothesis(db, team=team, title="Mid pricing", impact=5, subject="pricing")
    body = api.get("/hypotheses", "viewer").json
    assert [h["id"] for h in body["items"]] == [high.id, mid.id, low.id]
    assert body["total"] == 3 and body["page"] == 1
    assert [h["id"] for h in api.get("/hypotheses?stage=sale", "viewer").json["items"]] == [high.id]
    assert [h["id"] for h in api.get("/hypotheses?subject=pricing").json["items"]] == [mid.id]
    assert [h["id"] for h in api.get("/hypotheses?q=PRICING").json["items"]] == [mid.id]
    assert api.get("/hypotheses?status=rejected").json["items"] == []


def test_list_refuses_bad_and_unknown_filters(api):
    bad = api.get("/hypotheses?stage=moon")
    assert bad.status_code == 422 and "stage" in bad.json["error"]["fields"]
    unknown = api.get("/hypotheses?colour=red")
    assert unknown.status_code == 422 and "colour" in unknown.json["error"]["fields"]
    twice = api.get("/hypotheses?stage=lead&stage=sale")
    assert twice.status_code == 422
    assert api.get("/hypotheses?page=abc").status_code == 422


def test_patch_requires_the_version_and_refuses_a_stale_one(api, db, team, users):
    hypothesis = factories.make_hypothesis(db, team=team, author=users["marketer"])
    no_version = api.patch(f"/hypotheses/{hypothesis.id}", "marketer", json={"title": "New"})
    assert no_version.status_code == 422 and "version" in no_version.json["error"]["fields"]
    first = api.patch(
        f"/hypotheses/{hypothesis.id}",
        "marketer",
        json={"version": 1, "title": "Edited once", "impact": 9},
    )
    assert first.status_code == 200, first.json
    assert first.json["version"] == 2 and first.json["title"] == "Edited once"
    stale = api.patch(f"/hypotheses/{hypothesis.id}", "lead", json={"version": 1, "title": "Mine"})
    assert stale.status_code == 409
    error = stale.json["error"]
    assert error["code"] == "stale_version" and error["current_version"] == 2
    assert error["changes"][0]["changes"]["title"] == [hypothesis.title, "Edited once"]
    assert fresh(db, hypothesis).title == "Edited once"


def test_approve_reject_archive_as_lead(api, db, team, users):
    mine = factories.make_hypothesis(db, team=team, author=users["marketer"])
    approved = api.post(f"/hypotheses/{mine.id}/approve", "lead")
    assert approved.status_code == 200, approved.json
    assert approved.json["status"] == "approved"
    assert approved.json["approved_by_id"] == users["lead"].id
    other = factories.make_hypothesis(db, team=team, author=users["marketer"])
    no_reason = api.post(f"/hypotheses/{other.id}/reject", "lead", json={"reason": " "})
    assert no_reason.status_code == 422 and "reason" in no_reason.json["error"]["fields"]
    rejected = api.post(
        f"/hypotheses/{other.id}/reject",
        "lead",
        json={"reason": "Already tried in 2025", "version": 1},
    )
    assert rejected.status_code == 200 and rejected.json["status"] == "rejected"
    assert rejected.json["reject_reason"] == "Already tried in 2025"
    again = api.post(f"/hypotheses/{other.id}/approve", "lead")
    assert again.status_code == 409
    archived = api.post(f"/hypotheses/{other.id}/archive", "marketer", json={})
    assert archived.status_code == 200 and archived.json["status"] == "archived"


def test_the_author_cannot_approve_their_own(api, db, team, users):
    own = factories.make_hypothesis(db, team=team, author=users["lead"])
    response = api.post(f"/hypotheses/{own.id}/approve", "lead")
    assert response.status_code == 403
    assert "another lead" in response.json["error"]["message"]
    assert fresh(db, own).status == "backlog"


def test_approve_with_a_stale_version_is_409(api, db, team, users):
    hypothesis = factories.make_hypothesis(db, team=team, author=users["marketer"])
    api.patch(f"/hypotheses/{hypothesis.id}", "marketer", json={"version": 1, "ease": 9})
    response = api.post(f"/hypotheses/{hypothesis.id}/approve", "lead", json={"version": 1})
    assert response.status_code == 409
    assert fresh(db, hypothesis).status == "backlog"


def test_roles_are_enforced(api, db, team, users, new_hypothesis):
    hypothesis = factories.make_hypothesis(db, team=team, author=users["marketer"])
    assert api.post("/hypotheses", "viewer", json=new_hypothesis).status_code == 403
    assert (
        api.patch(f"/hypotheses/{hypothesis.id}", "viewer", json={"version": 1}).status_code == 403
    )
    denied = api.post(f"/hypotheses/{hypothesis.id}/approve", "marketer")
    assert denied.status_code == 403 and denied.json["error"]["code"] == "forbidden"
    assert (
        api.post(
            f"/hypotheses/{hypothesis.id}/reject", "marketer", json={"reason": "x"}
        ).status_code
        == 403
    )
    assert fresh(db, hypothesis).status == "backlog"
    assert api.post(f"/hypotheses/{hypothesis.id}/approve", "admin").status_code == 200


def test_ids_and_versions_beyond_64_bits_are_refused_not_500(api, db, team, users):
    hypothesis = factories.make_hypothesis(db, team=team, author=users["marketer"])
    huge = 10**30
    assert api.get(f"/hypotheses/{huge}").status_code == 404
    assert api.post(f"/hypotheses/{huge}/approve").status_code == 404
    response = api.patch(f"/hypotheses/{hypothesis.id}", json={"version": huge, "owner_id": huge})
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {"version", "owner_id"}
    assert api.get(f"/hypotheses?page={huge}&per_page={huge}").status_code == 200


def test_unknown_api_address_is_a_json_404_never_cached(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"
    assert response.headers["Cache-Control"] == "no-store"
