"""API: bearer tokens (hashed, revocable, tied to a live membership) and the permission grid."""
# ruff: noqa: F811  (fixtures imported from api_support)

from __future__ import annotations

import hashlib

import factories
import pytest
from api_support import api, fresh, rows, tokens  # noqa: F401  (fixtures)
from sqlmodel import select

from hypotheses.api.openapi import OPERATIONS
from hypotheses.api.openapi_document import PREFIX
from hypotheses.domain.accounts import tokens as token_domain
from hypotheses.domain.accounts import users as accounts
from hypotheses.domain.core.errors import Conflict, NotFound
from hypotheses.models import ApiToken, Membership
from hypotheses.permissions import PERMISSIONS, role_can

ROLES = ("admin", "lead", "marketer", "viewer")


def test_no_token_wrong_scheme_and_unknown_token_are_401(api, tokens):
    missing = api.get("/hypotheses", as_=None)
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert missing.json["error"]["code"] == "unauthorized"
    basic = api.get("/hypotheses", as_=None, headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert basic.status_code == 401
    unknown = api.get("/hypotheses", as_="hyp_not-a-real-token")
    assert unknown.status_code == 401 and unknown.json["error"]["code"] == "invalid_token"
    # The plain token of another user with a changed character is unknown too.
    altered = tokens["lead"][:-1] + ("A" if tokens["lead"][-1] != "A" else "B")
    assert api.get("/hypotheses", as_=altered).status_code == 401


def test_a_signed_in_browser_cookie_never_authenticates_the_api(client, auth, api):
    auth.login("lead")
    assert client.get("/").status_code == 200  # the cookie works in the browser
    response = client.get("/api/v1/hypotheses")
    assert response.status_code == 401
    assert client.post("/api/v1/hypotheses", json={"title": "x"}).status_code == 401


def test_token_is_stored_hashed_with_a_display_prefix(db, tokens, users):
    raw = tokens["marketer"]
    assert raw.startswith("hyp_") and len(raw) > 40
    stored = rows(db, select(ApiToken).where(ApiToken.user_id == users["marketer"].id))[0]
    assert stored.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in (stored.token_hash, stored.name) and raw.startswith(stored.prefix)


def test_last_used_at_is_recorded(api, db, users):
    token = rows(db, select(ApiToken).where(ApiToken.user_id == users["viewer"].id))[0]
    assert token.last_used_at is None
    assert api.get("/hypotheses", "viewer").status_code == 200
    assert fresh(db, token).last_used_at is not None


def test_revoked_token_stops_working(app, api, db, users):
    token = rows(db, select(ApiToken).where(ApiToken.user_id == users["lead"].id))[0]
    assert api.get("/hypotheses").status_code == 200
    with app.test_request_context():
        token_domain.revoke_token(db, user=users["lead"], token_id=token.id)
        token_domain.revoke_token(db, user=users["lead"], token_id=token.id)  # idempotent
        with pytest.raises(NotFound):  # someone else's token
            token_domain.revoke_token(db, user=users["viewer"], token_id=token.id)
    assert api.get("/hypotheses").status_code == 401


def test_deactivated_user_and_removed_member_lose_access(app, api, db, team, users):
    with app.test_request_context():
        accounts.set_active(db, user=users["marketer"], active=False, actor=users["admin"])
    assert api.get("/hypotheses", "marketer").status_code == 401
    membership = rows(db, select(Membership).where(Membership.user_id == users["viewer"].id))[0]
    db.delete(membership)
    db.commit()
    assert api.get("/hypotheses", "viewer").status_code == 401


def test_role_is_read_from_the_membership_on_every_request(api, db, team, users):
    hypothesis = factories.make_hypothesis(db, team=team, author=users["marketer"])
    assert api.post(f"/hypotheses/{hypothesis.id}/approve", "viewer").status_code == 403
    membership = rows(db, select(Membership).where(Membership.user_id == users["viewer"].id))[0]
    membership.role = "lead"
    db.add(membership)
    db.commit()
    assert api.post(f"/hypotheses/{hypothesis.id}/approve", "viewer").status_code == 200


def test_token_acts_in_its_own_team_only(app, api, db, users):
    other = factories.make_team(db, name="Other team")
    foreign = factories.make_hypothesis(db, team=other)
    db.add(Membership(user_id=users["lead"].id, team_id=other.id, role="viewer"))
    db.commit()
    # The lead's token belongs to the first team: the other team's data is not reachable.
    assert api.get(f"/hypotheses/{foreign.id}").status_code == 404
    with app.test_request_context():
        _token, raw = token_domain.create_token(db, user=users["lead"], team=other)
    assert api.get(f"/hypotheses/{foreign.id}", as_=raw).status_code == 200
    # ... where the same person is only a viewer.
    assert api.post(f"/hypotheses/{foreign.id}/approve", as_=raw).status_code == 403


def test_create_token_refuses_non_members_and_inactive_users(app, db, team):
    outsider = factories.make_user(db)
    with app.test_request_context():
        with pytest.raises(Conflict):
            token_domain.create_token(db, user=outsider, team=team)
        member = factories.make_user(db, team=team)
        member.is_active = False
        db.add(member)
        db.commit()
        with pytest.raises(Conflict):
            token_domain.create_token(db, user=member, team=team)


def test_every_api_route_is_documented_and_declares_a_permission(app):
    documented = {(op.rule, op.method.upper()) for op in OPERATIONS}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX):
            continue
        view = app.view_functions[rule.endpoint]
        assert hasattr(view, "permission"), rule.endpoint
        assert view.permission is None or view.permission in PERMISSIONS
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (rule.rule[len(PREFIX) :], method) in documented, rule.rule


def _example_path(rule: str) -> str:
    path = (PREFIX + rule).replace("<int:hypothesis_id>", "1").replace("<iso_week>", "2026-W40")
    return path.replace("<int:analysis_id>", "1")


@pytest.mark.parametrize("role", ROLES)
def test_permission_grid_every_operation_every_role(api, db, team, users, role):
    """A role without the permission gets 403 and nothing else; a role with it never gets 403
    from the permission check (the domain may still refuse, e.g. 404 for a missing record)."""
    for op in OPERATIONS:
        if op.permission is None:
            continue
        response = api.call(op.method.upper(), _example_path(op.rule)[len(PREFIX) :], role, json={})
        code = response.json["error"]["code"] if response.status_code >= 400 else None
        if role_can(role, op.permission):
            assert code != "forbidden" or op.endpoint == "approve_hypothesis", (op.endpoint, role)
        else:
            assert response.status_code == 403 and code == "forbidden", (op.endpoint, role)


def test_api_needs_no_csrf_token_when_csrf_is_on(app, tmp_path, db, team, users):
    """CSRF protects cookie sessions; the API uses bearer tokens only, so it is exempt."""
    from conftest import test_config as make_config

    from hypotheses import create_app
    from hypotheses.db import ENGINE_KEY

    config = make_config(app.config["DATABASE_URL"], WTF_CSRF_ENABLED=True)
    app = create_app(config, instance_path=tmp_path / "csrf-instance")
    try:
        with app.test_request_context():
            _token, raw = token_domain.create_token(db, user=users["marketer"], team=team)
        response = app.test_client().post(
            "/api/v1/hypotheses",
            headers={"Authorization": f"Bearer {raw}"},
            json={
                "title": "No CSRF needed",
                "stage": "lead",
                "lever": "conversion",
                "subject": "offer",
            },
        )
        assert response.status_code == 201, response.json
        # ... while the browser's forms still need it.
        assert (
            app.test_client().post("/auth/login", data={"email": "x", "password": "y"}).status_code
            == 400
        )
    finally:
        app.extensions[ENGINE_KEY].dispose()


def test_oversize_json_body_is_413(api):
    body = b'{"title": "' + b"x" * (5 * 1024 * 1024 + 10) + b'"}'
    response = api.post("/hypotheses", data=body, content_type="application/json")
    assert response.status_code == 413 and response.json["error"]["code"] == "too_large"


def test_unknown_api_path_and_wrong_method_are_json(api):
    missing = api.get("/nothing-here")
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_found"
    wrong = api.call("DELETE", "/hypotheses")
    assert wrong.status_code == 405 and wrong.json["error"]["code"] == "method_not_allowed"
