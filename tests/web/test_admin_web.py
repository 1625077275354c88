"""Admin screens (users, teams, memberships) and the team settings page."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import factories
import pytest
from sqlmodel import Session, select

from hypotheses.models import AuditEntry, Experiment, Membership, Metric, Team, User

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


def _now(db, obj) -> SimpleNamespace:
    """Read *obj*'s current row in a short session of its own.

    A read in the long-lived fixture session would keep a transaction open, and on SQLite
    (BEGIN IMMEDIATE) that holds the write lock the next request needs.
    """
    with Session(db.get_bind()) as short:
        return SimpleNamespace(**short.get(type(obj), obj.id).model_dump())


def _all(db, query) -> list:
    """Run *query* in a short session; the rows stay readable after it closes."""
    with Session(db.get_bind(), expire_on_commit=False) as short:
        return list(short.exec(query).all())


def _role(db, user, team) -> str | None:
    with Session(db.get_bind()) as short:
        membership = short.exec(
            select(Membership).where(Membership.user_id == user.id, Membership.team_id == team.id)
        ).first()
        return membership.role if membership else None


def _tag(html: str, marker: str, element: str = "input") -> str:
    """Return the first <element ...> tag of *html* that contains *marker*."""
    for tag in re.findall(rf"<{element}\b[^>]*>", html):
        if marker in tag:
            return tag
    raise AssertionError(f"no <{element}> with {marker}")


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
    assert _role(db, target, team) == "viewer"
    assert _now(db, target).name != "Hacked"


@pytest.mark.parametrize(
    ("role", "status"), [("admin", 200), ("lead", 200), ("marketer", 403), ("viewer", 403)]
)
def test_settings_for_leads_and_admins(client, auth, role, status):
    auth.login(role)
    assert client.get("/admin/settings").status_code == status
    response = client.post("/admin/settings", data=_settings(backlog_min="2"))
    assert response.status_code == (302 if status == 200 else 403)


def test_navbar_shows_admin_entries_by_role(client, auth):
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
    (nina,) = _all(db, select(User).where(User.email == "nina@example.com"))
    assert response.headers["Location"] == f"/admin/users/{nina.id}"
    assert _role(db, nina, team) == "lead"
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
    assert len(_all(db, select(User))) == 4


def test_edit_name_and_email(client, auth, db, users):
    auth.login("admin")
    target = users["viewer"]
    response = client.post(
        f"/admin/users/{target.id}", data={"name": "Vera Viewer", "email": "vera@example.com"}
    )
    assert response.status_code == 302
    assert _now(db, target).email == "vera@example.com"
    response = client.post(
        f"/admin/users/{target.id}", data={"name": "Vera", "email": users["lead"].email}
    )
    assert response.status_code == 422
    assert b"A user with this e-mail already exists." in response.data
    assert _now(db, target).name == "Vera Viewer"


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
    assert _role(db, target, other) == "viewer"
    client.post(f"/admin/users/{target.id}/memberships/{other.id}", data={"role": "lead"})
    assert _role(db, target, other) == "lead"
    response = client.post(
        f"/admin/users/{target.id}/memberships/{other.id}", data={"role": "boss"}
    )
    assert _role(db, target, other) == "lead"
    client.post(f"/admin/users/{target.id}/memberships/{other.id}/remove")
    assert _role(db, target, other) is None
    assert _role(db, target, team) == "marketer"
    query = select(AuditEntry).where(AuditEntry.entity_id == target.id, AuditEntry.entity == "user")
    actions = [entry.action for entry in _all(db, query)]
    assert actions == ["membership.add", "membership.role", "membership.remove"]


def test_adding_to_a_team_twice_is_refused_by_the_form(client, auth, db, team, users):
    auth.login("admin")
    target = users["marketer"]
    response = client.post(
        f"/admin/users/{target.id}/memberships", data={"team": str(team.id), "role": "admin"}
    )
    assert response.status_code == 422
    assert _role(db, target, team) == "marketer"


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
    assert _role(db, admin, team) == "admin"
    assert _now(db, admin).is_active


def test_admin_may_hand_over_and_step_down(client, auth, db, team, users):
    admin = auth.login("admin")
    client.post(f"/admin/users/{users['lead'].id}/memberships/{team.id}", data={"role": "admin"})
    response = client.post(f"/admin/users/{admin.id}/memberships/{team.id}", data={"role": "lead"})
    # Still signed in (this browser's cookie was re-issued), but no longer an admin here.
    assert response.headers["Location"] == "/"
    assert _role(db, admin, team) == "lead"
    assert client.get("/admin/users").status_code == 403
    assert client.get("/admin/settings").status_code == 200


def test_deactivate_and_activate(app, client, auth, db, users):
    target = users["viewer"]
    auth.login("admin")
    response = client.post(f"/admin/users/{target.id}/deactivate", follow_redirects=True)
    assert "is deactivated and signed out everywhere" in response.get_data(as_text=True)
    assert not _now(db, target).is_active
    browser = app.test_client()
    assert (
        browser.post(
            "/auth/login", data={"email": target.email, "password": factories.PASSWORD}
        ).status_code
        == 401
    )
    client.post(f"/admin/users/{target.id}/activate")
    assert _now(db, target).is_active
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


# --- teams ---------------------------------------------------------------------------------------


def test_create_team_with_catalog_and_membership(client, auth, db, users):
    admin = auth.login("admin")
    response = client.post("/admin/teams", data={"name": "Growth EU", "join": "y"})
    assert response.status_code == 302
    (new,) = _all(db, select(Team).where(Team.name == "Growth EU"))
    assert _all(db, select(Metric).where(Metric.team_id == new.id))
    assert _role(db, admin, new) == "admin"
    html = client.get("/admin/teams").get_data(as_text=True)
    assert "Growth EU" in html and "Test team" in html
    # The new team appears in the navbar switcher.
    assert f'action="/auth/switch-team/{new.id}"' in html


def test_create_team_errors(client, auth, db, team, users):
    auth.login("admin")
    response = client.post("/admin/teams", data={"name": "test TEAM"})
    assert response.status_code == 422 and b"A team with this name already exists." in response.data
    response = client.post("/admin/teams", data={"name": "   "})
    assert response.status_code == 422 and b"This field is required." in response.data
    response = client.post("/admin/teams", data={"name": "x" * 121})
    assert response.status_code == 422
    assert len(_all(db, select(Team))) == 1


def test_rename_team(client, auth, db, team, users):
    other = factories.make_team(db, "Brand team")
    auth.login("admin")
    response = client.post(
        f"/admin/teams/{team.id}/rename", data={f"t{team.id}-name": "Brand TEAM"}
    )
    assert response.status_code == 422 and b"A team with this name already exists." in response.data
    response = client.post(
        f"/admin/teams/{team.id}/rename", data={f"t{team.id}-name": "Performance"}
    )
    assert response.status_code == 302
    assert _now(db, team).name == "Performance"
    assert _now(db, other).name == "Brand team"
    assert client.post("/admin/teams/999/rename", data={"t999-name": "X"}).status_code == 404


# --- team settings -----------------------------------------------------------------------------


def test_settings_page_shows_current_values_and_explanations(client, auth, db, team):
    team.backlog_min, team.score_formula = 7, "product"
    db.add(team)
    db.commit()
    auth.login("lead")
    html = client.get("/admin/settings").get_data(as_text=True)
    assert 'value="7"' in _tag(html, 'name="backlog_min"')
    assert 'value="30"' in _tag(html, 'name="backlog_max"')
    assert "checked" in _tag(html, 'value="product"')
    assert "checked" not in _tag(html, 'value="mean"')
    assert "checked" not in _tag(html, 'name="rice_enabled"')
    assert "selected" in _tag(html, 'value="3"', element="option")
    for words in (
        "Backlog minimum",
        "Tests running at once",
        "ICE score formula",
        "RICE",
        "Authors may approve their own hypotheses",
    ):
        assert words in html


def test_lead_saves_settings(client, auth, db, team, users):
    auth.login("lead")
    response = client.post(
        "/admin/settings",
        data=_settings(
            backlog_min="5",
            backlog_max="25",
            active_test_limit="2",
            score_formula="product",
            rice_enabled="y",
            allow_self_approval="y",
        ),
    )
    assert response.status_code == 302
    stored = _now(db, team)
    assert (
        stored.backlog_min,
        stored.backlog_max,
        stored.active_test_limit,
        stored.score_formula,
        stored.rice_enabled,
        stored.allow_self_approval,
    ) == (5, 25, 2, "product", True, True)
    (entry,) = _all(db, select(AuditEntry).where(AuditEntry.action == "team.settings"))
    assert entry.actor_id == users["lead"].id
    assert json.loads(entry.changes)["backlog_max"] == [30, 25]
    # Unticked checkboxes turn the options off again.
    client.post(
        "/admin/settings",
        data=_settings(
            backlog_min="5", backlog_max="25", active_test_limit="2", score_formula="product"
        ),
    )
    stored = _now(db, team)
    assert not stored.rice_enabled and not stored.allow_self_approval


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"backlog_min": "31"}, "The maximum must be at least the minimum."),
        ({"backlog_min": "-1"}, "Number must be between 0 and 500."),
        ({"backlog_max": "501"}, "Number must be between 1 and 500."),
        ({"backlog_max": "1_000"}, "Enter a whole number"),
        ({"backlog_max": "nan"}, "Enter a whole number"),
        ({"backlog_min": "१२"}, "Enter a whole number"),
        ({"backlog_min": None}, "This field is required."),
        ({"active_test_limit": "4"}, "Not a valid choice"),
        ({"score_formula": "median"}, "Not a valid choice"),
    ],
)
def test_bad_settings_are_refused_next_to_the_field(client, auth, db, team, changes, message):
    auth.login("lead")
    response = client.post("/admin/settings", data=_settings(**changes))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    stored = _now(db, team)
    assert (stored.backlog_min, stored.backlog_max, stored.active_test_limit) == (10, 30, 3)


def test_limit_below_running_tests_is_refused(client, auth, db, team):
    for slot in (1, 2):
        hypothesis = factories.make_hypothesis(db, team=team, status="running")
        db.add(
            Experiment(team_id=team.id, hypothesis_id=hypothesis.id, status="running", slot=slot)
        )
    db.commit()
    auth.login("lead")
    response = client.post("/admin/settings", data=_settings(active_test_limit="1"))
    assert response.status_code == 422
    assert "2 tests are running now" in response.get_data(as_text=True)
    assert _now(db, team).active_test_limit == 3


def test_stale_settings_form_shows_what_changed(client, auth, db, team, users):
    auth.login("lead")
    html = client.get("/admin/settings").get_data(as_text=True)
    loaded = (
        html.split('name="loaded" type="hidden" value="')[1].split('"')[0].replace("&#34;", '"')
    )
    team.backlog_max = 45  # another lead saved meanwhile
    db.add(team)
    db.commit()
    response = client.post("/admin/settings", data=_settings(backlog_min="4", loaded=loaded))
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Someone else saved this record" in text and "backlog_max" in text
    assert _now(db, team).backlog_min == 10
    # The re-shown form carries the new base, so saving again goes through.
    new_loaded = (
        text.split('name="loaded" type="hidden" value="')[1].split('"')[0].replace("&#34;", '"')
    )
    response = client.post(
        "/admin/settings", data=_settings(backlog_min="4", backlog_max="45", loaded=new_loaded)
    )
    assert response.status_code == 302
    assert _now(db, team).backlog_min == 4
