"""Sessions end on the server: logout, password change, deactivation, role change, lifetime.

Also: one person in two teams with two roles, switching team from the navbar.
"""

from __future__ import annotations

import factories
import pytest
from account_helpers import PASSWORD, cookie_of, login, now_row, signed_in
from sqlmodel import select

from hypotheses.models import Membership

# --- sessions end on the server -------------------------------------------------------------


@pytest.fixture
def two_browsers(app, users):
    """The same user signed in from two browsers."""
    a, b = app.test_client(), app.test_client()
    for browser in (a, b):
        assert login(browser, users["marketer"]).status_code == 302
        assert signed_in(browser)
    return a, b


def test_logout_ends_every_session_of_the_user(two_browsers):
    a, b = two_browsers
    response = a.post("/auth/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login"
    assert not signed_in(a)
    assert not signed_in(b)


def test_logout_needs_post(client, auth, users):
    auth.login("viewer")
    assert client.get("/auth/logout").status_code == 405
    assert signed_in(client)


def test_cookie_replayed_after_logout_is_refused(app, users):
    browser = app.test_client()
    login(browser, users["lead"])
    captured = cookie_of(browser)
    browser.post("/auth/logout")
    thief = app.test_client()
    thief.set_cookie("session", captured)
    response = thief.get("/admin/settings")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    # Control: a cookie captured while the session lives does work elsewhere.
    login(browser, users["lead"])
    thief.set_cookie("session", cookie_of(browser))
    assert thief.get("/admin/settings").status_code == 200


def test_password_change_ends_other_sessions_only(two_browsers, db, users):
    a, b = two_browsers
    response = a.post(
        "/auth/profile",
        data={
            "current_password": PASSWORD,
            "new_password": "a new long secret",
            "confirm": "a new long secret",
        },
    )
    assert response.status_code == 302
    assert signed_in(a)
    assert not signed_in(b)
    assert login(b, users["marketer"]).status_code == 401
    assert login(b, users["marketer"], password="a new long secret").status_code == 302


def test_password_change_needs_the_current_password(client, auth, db, users):
    user = auth.login("marketer")
    response = client.post(
        "/auth/profile",
        data={
            "current_password": "not it at all",
            "new_password": "a new long secret",
            "confirm": "a new long secret",
        },
    )
    assert b"The current password is not correct." in response.data
    assert now_row(db, user).password_hash == user.password_hash


def test_deactivation_by_admin_ends_sessions(app, two_browsers, users):
    a, b = two_browsers
    admin = app.test_client()
    login(admin, users["admin"])
    response = admin.post(f"/admin/users/{users['marketer'].id}/deactivate")
    assert response.status_code == 302
    assert not signed_in(a) and not signed_in(b)
    assert login(a, users["marketer"]).status_code == 401


def test_role_change_by_admin_ends_sessions(app, two_browsers, team, users):
    a, b = two_browsers
    admin = app.test_client()
    login(admin, users["admin"])
    response = admin.post(
        f"/admin/users/{users['marketer'].id}/memberships/{team.id}", data={"role": "viewer"}
    )
    assert response.status_code == 302
    assert not signed_in(a) and not signed_in(b)
    assert signed_in(admin)  # the acting admin stays signed in


def test_role_is_read_from_the_database_on_every_request(app, db, client, auth, team, users):
    auth.login("lead")
    assert client.get("/admin/settings").status_code == 200
    membership = db.exec(select(Membership).where(Membership.user_id == users["lead"].id)).one()
    membership.role = "viewer"  # changed behind the app's back: no token rotation
    db.add(membership)
    db.commit()
    assert client.get("/admin/settings").status_code == 403


def test_idle_session_expires(client, auth):
    auth.login("lead")
    with client.session_transaction() as sess:
        sess["seen_at"] -= 61 * 60
    response = client.get("/admin/settings")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_session_has_an_absolute_lifetime(client, auth):
    auth.login("lead")
    with client.session_transaction() as sess:
        sess["signed_in_at"] -= 13 * 3600
    assert client.get("/admin/settings").status_code == 302


# --- switching teams --------------------------------------------------------------------------


def test_one_person_two_teams_two_roles(client, db, team, users):
    other = factories.make_team(db, "Brand team")
    person = users["lead"]
    db.add(Membership(user_id=person.id, team_id=other.id, role="viewer"))
    db.commit()
    login(client, person)
    nav = client.get("/auth/profile").get_data(as_text=True).split("</nav>")[0]
    # The first team by name is current after sign-in; the switcher offers the other.
    assert "Team: Brand team" in nav and f'action="/auth/switch-team/{team.id}"' in nav
    assert "Team settings" not in nav  # a viewer in Brand team
    assert client.get("/admin/settings").status_code == 403

    response = client.post(f"/auth/switch-team/{team.id}")
    assert response.status_code == 302
    nav = client.get("/auth/profile").get_data(as_text=True).split("</nav>")[0]
    assert "Team: Test team" in nav and "Team settings" in nav
    assert client.get("/admin/settings").status_code == 200  # a lead in Test team

    client.post(f"/auth/switch-team/{other.id}")
    assert client.get("/admin/settings").status_code == 403


def test_cannot_switch_to_a_team_one_is_not_in(client, db, auth):
    foreign = factories.make_team(db, "Foreign")
    auth.login("lead")
    assert client.post(f"/auth/switch-team/{foreign.id}").status_code == 404
    assert client.get("/auth/switch-team/1").status_code == 405
