"""Sign-in security in the browser: hashing, redirects, throttling, sessions, CSRF, first run."""

from __future__ import annotations

import re
from datetime import timedelta

import conftest
import factories
import pytest
from flask import current_app
from sqlmodel import Session, select

from hypotheses import create_app
from hypotheses.db import ENGINE_KEY
from hypotheses.domain import accounts, throttle
from hypotheses.models import LoginThrottle, Membership, Team, User, utcnow

PASSWORD = factories.PASSWORD


def login(client, user_or_email, password=PASSWORD, next_url=None):
    email = getattr(user_or_email, "email", user_or_email)
    url = "/auth/login" + (f"?next={next_url}" if next_url is not None else "")
    return client.post(url, data={"email": email, "password": password})


def signed_in(client) -> bool:
    """Tell whether the client's cookie still signs it in (the profile needs a signed-in user)."""
    response = client.get("/auth/profile")
    if response.status_code == 302:
        assert "/auth/login" in response.headers["Location"]
        return False
    assert response.status_code == 200
    return True


def cookie_of(client) -> str:
    return client.get_cookie("session").value


# --- hashing ------------------------------------------------------------------------------


def test_default_config_hashes_with_a_million_pbkdf2_iterations(tmp_path, _template_db):
    url = conftest.database_url(tmp_path, _template_db)
    config = conftest.test_config(url)
    del config["PASSWORD_HASH_METHOD"]  # keep the code default
    app = create_app(config, instance_path=tmp_path / "instance")
    try:
        with app.app_context():
            method = current_app.config["PASSWORD_HASH_METHOD"]
            hashed = accounts.hash_password("a long passphrase", method)
        assert method == "pbkdf2:sha256:1000000"
        assert hashed.startswith("pbkdf2:sha256:1000000$")
    finally:
        app.extensions[ENGINE_KEY].dispose()


def test_outdated_hash_is_upgraded_at_sign_in(client, db, users):
    user = users["viewer"]
    user.password_hash = accounts.hash_password(PASSWORD, "pbkdf2:sha256:600")
    db.add(user)
    db.commit()
    assert login(client, user).status_code == 302
    assert conftest.fresh(db, user).password_hash.startswith(conftest.FAST_HASH + "$")


# --- signing in ---------------------------------------------------------------------------


def test_sign_in_starts_a_fresh_session(client, users):
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
        sess["team_id"] = 999
    response = login(client, users["lead"])
    assert response.status_code == 302
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess["_user_id"].startswith(f"{users['lead'].id}:")


def test_wrong_password_and_unknown_email_read_the_same(client, users):
    wrong = login(client, users["lead"], password="not the password")
    unknown = login(client, "nobody@example.com")
    assert wrong.status_code == unknown.status_code == 401
    for response in (wrong, unknown):
        assert b"Wrong e-mail or password." in response.data
    assert not signed_in(client)


def test_deactivated_user_cannot_sign_in(client, db, users):
    user = users["viewer"]
    user.is_active = False
    db.add(user)
    db.commit()
    assert login(client, user).status_code == 401


@pytest.mark.parametrize(
    "target",
    [
        "//evil.com",
        "https://evil.com",
        "/\\evil.com",
        "http:/evil.com",
        "/\t/evil.com",
        "evil.com",
        "javascript:alert(1)",
        "///evil.com",
    ],
)
def test_unsafe_next_is_ignored(client, users, target):
    response = login(client, users["lead"], next_url=target.replace("\t", "%09"))
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_safe_next_is_followed(client, users):
    response = login(client, users["lead"], next_url="/admin/settings?tab=1")
    assert response.headers["Location"] == "/admin/settings?tab=1"


def test_protected_page_sends_back_after_sign_in(client, users):
    response = client.get("/admin/settings")
    assert response.status_code == 302
    login_url = response.headers["Location"]
    assert "next=" in login_url
    response = client.post(login_url, data={"email": users["lead"].email, "password": PASSWORD})
    assert response.headers["Location"] == "/admin/settings"


# --- throttling ---------------------------------------------------------------------------


class Clock:
    def __init__(self):
        self.now = utcnow()

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(throttle, "utcnow", clock)
    return clock


def test_repeated_failures_are_slowed_down(client, users, clock):
    user = users["marketer"]
    for _ in range(5):
        assert login(client, user, password="wrong password").status_code == 401
    # The sixth attempt must wait, even with the right password.
    response = login(client, user)
    assert response.status_code == 429
    text = response.get_data(as_text=True)
    assert "Too many failed attempts. Wait 1 seconds" in text
    # The message sits next to the password field.
    assert re.search(r'id="password".{0,400}Too many failed attempts', text, re.S)
    assert not signed_in(client)
    clock.now += timedelta(seconds=1.1)
    assert login(client, user, password="wrong again!").status_code == 401
    response = login(client, user)
    assert response.status_code == 429
    assert "Wait 2 seconds" in response.get_data(as_text=True)
    clock.now += timedelta(seconds=2.1)
    assert login(client, user).status_code == 302  # the right password after the wait works


def test_success_clears_the_counter(client, db, users, clock):
    user = users["marketer"]
    for _ in range(4):
        login(client, user, password="wrong password")
    assert login(client, user).status_code == 302
    assert db.get(LoginThrottle, f"email:{user.email}") is None


def test_throttle_per_ip_across_emails(client, users, clock):
    for n in range(5):
        login(client, f"guess{n}@example.com", password="wrong password")
    response = login(client, users["viewer"])
    assert response.status_code == 429


def test_delay_is_capped_and_grows(client, db, users, clock):
    user = users["marketer"]
    db.add(
        LoginThrottle(
            key=f"email:{user.email}", failures=12, window_start=clock.now, last_failure=clock.now
        )
    )
    db.commit()
    response = login(client, user)
    assert response.status_code == 429
    assert "Wait 30 seconds" in response.get_data(as_text=True)  # 2**7 capped at 30


def test_old_failures_outside_the_window_do_not_count(client, db, users, clock):
    user = users["marketer"]
    long_ago = clock.now - timedelta(minutes=16)
    db.add(
        LoginThrottle(
            key=f"email:{user.email}", failures=9, window_start=long_ago, last_failure=long_ago
        )
    )
    db.commit()
    assert login(client, user).status_code == 302


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
    assert conftest.fresh(db, user).password_hash == user.password_hash


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


# --- CSRF -------------------------------------------------------------------------------------


@pytest.fixture
def csrf_app(tmp_path, _template_db):
    url = conftest.database_url(tmp_path, _template_db)
    app = create_app(
        conftest.test_config(url, WTF_CSRF_ENABLED=True), instance_path=tmp_path / "csrf"
    )
    yield app
    app.extensions[ENGINE_KEY].dispose()


def _token(response) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.get_data(as_text=True))
    assert match, "page has no CSRF token"
    return match.group(1)


def test_posts_without_csrf_token_are_refused(csrf_app):
    with Session(csrf_app.extensions[ENGINE_KEY], expire_on_commit=False) as db:
        team = factories.make_team(db)
        admin = factories.make_user(db, team=team, role="admin")
        token_before = admin.session_token
    client = csrf_app.test_client()

    response = client.post("/auth/login", data={"email": admin.email, "password": PASSWORD})
    assert response.status_code == 400
    assert b"security token" in response.data
    assert not signed_in(client)

    page = client.get("/auth/login")
    response = client.post(
        "/auth/login", data={"email": admin.email, "password": PASSWORD, "csrf_token": _token(page)}
    )
    assert response.status_code == 302  # with the token it works

    assert client.post("/auth/logout").status_code == 400
    assert signed_in(client)

    response = client.post("/admin/teams", data={"name": "Sneaky team", "join": "y"})
    assert response.status_code == 400
    response = client.post(
        f"/admin/users/{admin.id}/memberships/{team.id}", data={"role": "viewer"}
    )
    assert response.status_code == 400
    response = client.post(
        "/admin/settings",
        data={
            "backlog_min": "1",
            "backlog_max": "2",
            "active_test_limit": "1",
            "score_formula": "product",
        },
    )
    assert response.status_code == 400
    with Session(csrf_app.extensions[ENGINE_KEY]) as db:
        assert db.exec(select(Team).where(Team.name == "Sneaky team")).first() is None
        assert db.exec(select(Membership)).one().role == "admin"
        assert db.exec(select(Team)).one().backlog_min == 10
        assert db.get(User, admin.id).session_token == token_before

    page = client.get("/admin/teams")
    response = client.post("/admin/teams", data={"name": "Real team", "csrf_token": _token(page)})
    assert response.status_code == 302
    page = client.get("/admin/users")
    assert client.post("/auth/logout", data={"csrf_token": _token(page)}).status_code == 302
    assert not signed_in(client)


# --- first run ------------------------------------------------------------------------------


def test_first_visit_creates_the_first_admin(client, db):
    response = client.get("/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    response = client.get("/auth/login")
    assert response.status_code == 302 and response.headers["Location"] == "/auth/setup"
    page = client.get("/auth/setup")
    assert b"Create admin account" in page.data

    response = client.post(
        "/auth/setup",
        data={
            "team": "Growth",
            "name": "Ada",
            "email": "Ada@Example.com",
            "password": "first admin pass",
            "confirm": "first admin pass",
        },
    )
    assert response.status_code == 302
    user = db.exec(select(User)).one()
    assert user.email == "ada@example.com"
    membership = db.exec(select(Membership)).one()
    assert membership.role == "admin"
    assert db.get(Team, membership.team_id).name == "Growth"
    db.rollback()  # end the read transaction: on SQLite it holds the write lock
    assert signed_in(client)
    assert client.get("/admin/users").status_code == 200

    # Set-up is closed once a user exists, signed in or not.
    assert client.get("/auth/setup").headers["Location"] == "/auth/login"
    client.post("/auth/logout")
    response = client.post(
        "/auth/setup",
        data={
            "team": "Evil",
            "name": "Eve",
            "email": "eve@example.com",
            "password": "second admin pass",
            "confirm": "second admin pass",
        },
    )
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login"
    assert len(db.exec(select(User)).all()) == 1
    db.rollback()
    assert login(client, "ada@example.com", "first admin pass").status_code == 302


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"confirm": "something else"}, b"The passwords differ."),
        ({"password": "password123", "confirm": "password123"}, b"too common"),
        ({"email": "not an email"}, b"valid e-mail"),
        ({"team": ""}, b"This field is required."),
    ],
)
def test_setup_form_errors_create_nothing(client, db, data, message):
    values = {
        "team": "Growth",
        "name": "Ada",
        "email": "ada@example.com",
        "password": "first admin pass",
        "confirm": "first admin pass",
        **data,
    }
    response = client.post("/auth/setup", data=values)
    assert response.status_code == 200
    assert message in response.data
    assert db.exec(select(User)).first() is None
    assert db.exec(select(Team)).first() is None


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
