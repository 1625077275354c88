"""Admin screens (users, teams, memberships) and the team settings page."""

from __future__ import annotations

import factories
import pytest
from account_helpers import all_rows, now_row, role_of
from sqlmodel import select

from hypotheses.models import AuditEntry, Membership, User

ADMIN_PAGES = [
    ("GET", "/admin/users"),
    ("GET", "/admin/users/new"),
    ("POST", "/admin/users/new"),
    ("GET", "/admin/users/{uid}"),
    ("POST", "/admin/users/{uid}"),
    ("POST", "/admin/users/{uid}/deactivate"),
    ("POST", "/admin/users/{uid}/activate"),
    ("POST", "/admin/users/{uid}/password"),
    ("POST", "/admin/users/{uid}/memberships"),
    ("POST", "/admin/users/{uid}/memberships/{tid}"),
    ("POST", "/admin/users/{uid}/memberships/{tid}/remove"),
    ("GET", "/admin/teams"),
    ("POST", "/admin/teams"),
    ("POST", "/admin/teams/{tid}/rename"),
]


def _settings(**changes) -> dict:
    data = {
        "backlog_min": "10",
        "backlog_max": "30",
        "active_test_limit": "3",
        "score_formula": "mean",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# --- who may enter ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["lead", "marketer", "viewer"])
def test_only_admins_manage_users_and_teams(client, auth, db, team, users, role):
    auth.login(role)
    target = users["viewer"]
    for method, path in ADMIN_PAGES:
        url = path.format(uid=target.id, tid=team.id)
        data = {"role": "admin", "name": "Hacked", "email": "x@example.com", "team": str(team.id)}
        response = client.open(url, method=method, data=data)
        assert response.status_code == 403, (role, method, url)
    assert role_of(db, target, team) == "viewer"
    assert now_row(db, target).name != "Hacked"


@pytest.mark.parametrize(
    ("role", "status"), [("admin", 200), ("lead", 200), ("marketer", 403), ("viewer", 403)]
)
def test_settings_for_leads_and_admins(client, auth, role, status):
    auth.login(role)
    assert client.get("/admin/settings").status_code == status
    response = client.post("/admin/settings", data=_settings(backlog_min="2"))
    assert response.status_code == (302 if status == 200 else 403)


def test_navbar_shows_admin_entries_byrole_of(client, auth):
    auth.login("lead")
    nav = client.get("/admin/settings").get_data(as_text=True).split("</nav>")[0]
    assert "Team settings" in nav and ">Users<" not in nav
    auth.login("admin")
    nav = client.get("/admin/users").get_data(as_text=True).split("</nav>")[0]
    assert "Team settings" in nav and ">Users<" in nav
    # Only the page's own entry is marked current.
    assert nav.count('aria-current="page"') == 1
    assert 'active" aria-current="page" href="/admin/users"' in nav


# --- users ---------------------------------------------------------------------------------------


def test_users_list_shows_memberships_and_status(client, auth, db, team, users):
    other = factories.make_team(db, "Brand team")
    db.add(Membership(user_id=users["viewer"].id, team_id=other.id, role="lead"))
    loner = factories.make_user(db, name="Lonely Larry")
    loner.is_active = False
    db.add(loner)
    db.commit()
    auth.login("admin")
    html = client.get("/admin/users").get_data(as_text=True)
    for user in users.values():
        assert user.email in html
    assert "Brand team: Team lead" in html and "Test team: Viewer" in html
    assert "Lonely Larry" in html and "Deactivated" in html and "No team" in html
    html = client.get("/admin/users?q=larry").get_data(as_text=True)
    assert "Lonely Larry" in html and users["lead"].email not in html
    assert "1 user" in html


def test_users_list_paginates(app, client, auth, db, team, users):
    app.config["PAGE_SIZE"] = 3
    auth.login("admin")
    first = client.get("/admin/users").get_data(as_text=True)
    second = client.get("/admin/users?page=2").get_data(as_text=True)
    shown = [u.email for u in users.values() if u.email in first]
    assert len(shown) == 3
    assert [u.email for u in users.values() if u.email in second and u.email not in shown]
    assert client.get("/admin/users?page=abc").status_code == 200
    assert client.get("/admin/users?page=" + "9" * 30).status_code == 200


def test_admin_creates_a_user_who_can_sign_in(app, client, auth, db, team, users):
    auth.login("admin")
    page = client.get("/admin/users/new")
    assert page.status_code == 200 and b"Initial password" in page.data
    response = client.post(
        "/admin/users/new",
        data={
            "name": "Nina",
            "email": "Nina@Example.com",
            "password": "nina's first pass",
            "team": str(team.id),
            "role": "lead",
        },
    )
    assert response.status_code == 302
    (nina,) = all_rows(db, select(User).where(User.email == "nina@example.com"))
    assert response.headers["Location"] == f"/admin/users/{nina.id}"
    assert role_of(db, nina, team) == "lead"
    other = app.test_client()
    assert (
        other.post(
            "/auth/login", data={"email": "nina@example.com", "password": "nina's first pass"}
        ).status_code
        == 302
    )
    assert other.get("/admin/settings").status_code == 200


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"email": "LEAD{n}@example.com"}, "A user with this e-mail already exists."),
        ({"email": "nope"}, "valid e-mail"),
        ({"password": "password1"}, "too common"),
        ({"password": "short"}, "between 8 and 128"),
        ({"role": "owner"}, "Not a valid choice"),
        ({"team": "999"}, "Not a valid choice"),
        ({"name": "bad\x00name"}, "control characters"),
    ],
)
def test_create_user_errors_next_to_fields(client, auth, db, team, users, changes, message):
    auth.login("admin")
    data = {
        "name": "Nina",
        "email": "nina@example.com",
        "password": "nina's first pass",
        "team": str(team.id),
        "role": "lead",
        **changes,
    }
    data["email"] = data["email"].replace(
        "{n}", users["lead"].email.removeprefix("lead").split("@")[0]
    )
    response = client.post("/admin/users/new", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert len(all_rows(db, select(User))) == 4


def test_edit_name_and_email(client, auth, db, users):
    auth.login("admin")
    target = users["viewer"]
    response = client.post(
        f"/admin/users/{target.id}", data={"name": "Vera Viewer", "email": "vera@example.com"}
    )
    assert response.status_code == 302
    assert now_row(db, target).email == "vera@example.com"
    response = client.post(
        f"/admin/users/{target.id}", data={"name": "Vera", "email": users["lead"].email}
    )
    assert response.status_code == 422
    assert b"A user with this e-mail already exists." in response.data
    assert now_row(db, target).name == "Vera Viewer"


def test_user_page_shows_history(client, auth, db, team, users):
    auth.login("admin")
    target = users["marketer"]
    client.post(f"/admin/users/{target.id}/memberships/{team.id}", data={"role": "lead"})
    html = client.get(f"/admin/users/{target.id}").get_data(as_text=True)
    assert "Role changed" in html and "Role: Marketer → Team lead" in html
    assert users["admin"].name in html
    assert client.get("/admin/users/9999").status_code == 404


def test_add_change_and_remove_membership(client, auth, db, team, users):
    other = factories.make_team(db, "Brand team")
    target = users["marketer"]
    auth.login("admin")
    page = client.get(f"/admin/users/{target.id}").get_data(as_text=True)
    assert f'<option value="{other.id}">Brand team</option>' in page
    response = client.post(
        f"/admin/users/{target.id}/memberships", data={"team": str(other.id), "role": "viewer"}
    )
    assert response.status_code == 302
    assert role_of(db, target, other) == "viewer"
    client.post(f"/admin/users/{target.id}/memberships/{other.id}", data={"role": "lead"})
    assert role_of(db, target, other) == "lead"
    response = client.post(
        f"/admin/users/{target.id}/memberships/{other.id}", data={"role": "boss"}
    )
    assert role_of(db, target, other) == "lead"
    client.post(f"/admin/users/{target.id}/memberships/{other.id}/remove")
    assert role_of(db, target, other) is None
    assert role_of(db, target, team) == "marketer"
    query = select(AuditEntry).where(AuditEntry.entity_id == target.id, AuditEntry.entity == "user")
    actions = [entry.action for entry in all_rows(db, query)]
    assert actions == ["membership.add", "membership.role", "membership.remove"]


def test_adding_to_a_team_twice_is_refused_by_the_form(client, auth, db, team, users):
    auth.login("admin")
    target = users["marketer"]
    response = client.post(
        f"/admin/users/{target.id}/memberships", data={"team": str(team.id), "role": "admin"}
    )
    assert response.status_code == 422
    assert role_of(db, target, team) == "marketer"


def test_last_admin_is_protected(client, auth, db, team, users):
    admin = auth.login("admin")
    response = client.post(
        f"/admin/users/{admin.id}/memberships/{team.id}",
        data={"role": "viewer"},
        follow_redirects=True,
    )
    assert "This is the last admin" in response.get_data(as_text=True)
    response = client.post(
        f"/admin/users/{admin.id}/memberships/{team.id}/remove", follow_redirects=True
    )
    assert "This is the last admin" in response.get_data(as_text=True)
    response = client.post(f"/admin/users/{admin.id}/deactivate", follow_redirects=True)
    assert "You cannot deactivate your own account." in response.get_data(as_text=True)
    assert role_of(db, admin, team) == "admin"
    assert now_row(db, admin).is_active


def test_admin_may_hand_over_and_step_down(client, auth, db, team, users):
    admin = auth.login("admin")
    client.post(f"/admin/users/{users['lead'].id}/memberships/{team.id}", data={"role": "admin"})
    response = client.post(f"/admin/users/{admin.id}/memberships/{team.id}", data={"role": "lead"})
    # Still signed in (this browser's cookie was re-issued), but no longer an admin here.
    assert response.headers["Location"] == "/"
    assert role_of(db, admin, team) == "lead"
    assert client.get("/admin/users").status_code == 403
    assert client.get("/admin/settings").status_code == 200


def test_deactivate_and_activate(app, client, auth, db, users):
    target = users["viewer"]
    auth.login("admin")
    response = client.post(f"/admin/users/{target.id}/deactivate", follow_redirects=True)
    assert "is deactivated and signed out everywhere" in response.get_data(as_text=True)
    assert not now_row(db, target).is_active
    browser = app.test_client()
    assert (
        browser.post(
            "/auth/login", data={"email": target.email, "password": factories.PASSWORD}
        ).status_code
        == 401
    )
    client.post(f"/admin/users/{target.id}/activate")
    assert now_row(db, target).is_active
    assert (
        browser.post(
            "/auth/login", data={"email": target.email, "password": factories.PASSWORD}
        ).status_code
        == 302
    )


def test_admin_sets_a_new_password(app, client, auth, db, users):
    target = users["viewer"]
    victim_browser = app.test_client()
    victim_browser.post("/auth/login", data={"email": target.email, "password": factories.PASSWORD})
    auth.login("admin")
    response = client.post(
        f"/admin/users/{target.id}/password",
        data={"new_password": "fresh start 2026", "confirm": "fresh start 2026"},
    )
    assert response.status_code == 302
    assert victim_browser.get("/auth/profile").status_code == 302  # signed out
    assert (
        victim_browser.post(
            "/auth/login", data={"email": target.email, "password": "fresh start 2026"}
        ).status_code
        == 302
    )
    response = client.post(
        f"/admin/users/{target.id}/password",
        data={"new_password": "12345678", "confirm": "12345678"},
    )
    assert response.status_code == 422 and b"too common" in response.data
