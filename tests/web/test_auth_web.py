"""Sign-in security in the browser: hashing, redirects, throttling, sessions, CSRF, first run."""

from __future__ import annotations

import re
from datetime import timedelta

import conftest
import factories
import pytest
from account_helpers import PASSWORD, login, signed_in
from flask import current_app
from sqlmodel import Session, select

from hypotheses import create_app
from hypotheses.db import ENGINE_KEY
from hypotheses.domain.accounts import passwords, throttle
from hypotheses.models import LoginThrottle, Membership, Team, User, utcnow

# --- hashing ------------------------------------------------------------------------------


def test_default_config_hashes_with_argon2id(tmp_path, _template_db):
    url = conftest.database_url(tmp_path, _template_db)
    config = conftest.test_config(url)
    del config["PASSWORD_HASH_METHOD"]  # keep the code default
    app = create_app(config, instance_path=tmp_path / "instance")
    try:
        with app.app_context():
            method = current_app.config["PASSWORD_HASH_METHOD"]
            hashed = passwords.hash_password("a long passphrase", method)
        assert method == "argon2id:t=2:m=19456:p=1"
        assert hashed.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
        assert passwords.check_password_hash(hashed, "a long passphrase")
        assert not passwords.check_password_hash(hashed, "a long passphrasE")
    finally:
        app.extensions[ENGINE_KEY].dispose()


def test_outdated_hash_is_upgraded_at_sign_in(client, db, users):
    user = users["viewer"]
    user.password_hash = passwords.hash_password(PASSWORD, "pbkdf2:sha256:600")
    db.add(user)
    db.commit()
    assert login(client, user).status_code == 302
    assert conftest.fresh(db, user).password_hash.startswith(conftest.FAST_HASH + "$")


CHEAP_ARGON2 = "argon2id:t=1:m=1024:p=1"  # tests only: the real costs are checked above


def test_pbkdf2_hash_keeps_working_and_becomes_argon2id_at_sign_in(app, client, db, users):
    app.config["PASSWORD_HASH_METHOD"] = CHEAP_ARGON2
    user = users["viewer"]
    user.password_hash = passwords.hash_password(PASSWORD, "pbkdf2:sha256:1000")
    db.add(user)
    db.commit()
    assert login(client, user).status_code == 302
    upgraded = conftest.fresh(db, user).password_hash
    assert upgraded.startswith("$argon2id$v=19$m=1024,t=1,p=1$")
    assert passwords.check_password_hash(upgraded, PASSWORD)
    email = user.email
    db.rollback()  # end the test's read transaction before the next sign-in writes
    # The new hash signs in (from another browser), and is not re-hashed again.
    assert login(app.test_client(), email).status_code == 302
    assert conftest.fresh(db, user).password_hash == upgraded


def test_argon2id_hash_with_other_costs_is_rehashed():
    old = passwords.hash_password(PASSWORD, "argon2id:t=1:m=1024:p=1")
    assert passwords.needs_rehash(old, "argon2id:t=2:m=2048:p=1")
    assert not passwords.needs_rehash(old, CHEAP_ARGON2)
    assert passwords.needs_rehash(
        passwords.hash_password(PASSWORD, "pbkdf2:sha256:1000"), CHEAP_ARGON2
    )
    assert not passwords.check_password_hash("$argon2id$broken", PASSWORD)


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
    assert db.get(LoginThrottle, _pair(user)) is None
    assert db.get(LoginThrottle, "ip:127.0.0.1").failures == 4  # the success is not counted


def _pair(user, address="127.0.0.1"):
    return f"pair:{user.email}|{address}"


def test_guessing_one_account_does_not_lock_out_the_neighbours(client, app, users, clock):
    """Behind one proxy or NAT: 6 failures against the admin leave the viewer's sign-in free."""
    for _ in range(6):
        login(client, users["admin"], password="wrong password")
    assert login(client, users["admin"]).status_code == 429  # the guessed pair waits
    assert login(app.test_client(), users["viewer"]).status_code == 302


def test_throttle_per_address_across_emails_has_a_higher_ceiling(app, client, users, clock):
    app.config["LOGIN_FREE_ATTEMPTS_PER_ADDRESS"] = 12
    for n in range(12):
        assert login(client, f"guess{n}@example.com", password="wrong password").status_code == 401
    response = login(client, users["viewer"])
    assert response.status_code == 429


def test_another_address_is_not_slowed_by_this_one(app, users, clock):
    """The attacker's address waits; the owner signing in from elsewhere does not."""
    attacker = app.test_client()
    for _ in range(6):
        attacker.post(
            "/auth/login",
            data={"email": users["lead"].email, "password": "wrong password"},
            environ_base={"REMOTE_ADDR": "203.0.113.9"},
        )
    owner = app.test_client()
    response = owner.post(
        "/auth/login",
        data={"email": users["lead"].email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )
    assert response.status_code == 302


def test_delay_is_capped_and_grows(client, db, users, clock):
    user = users["marketer"]
    db.add(
        LoginThrottle(key=_pair(user), failures=12, window_start=clock.now, last_failure=clock.now)
    )
    db.commit()
    response = login(client, user)
    assert response.status_code == 429
    assert "Wait 30 seconds" in response.get_data(as_text=True)  # 2**7 capped at 30


def test_old_failures_outside_the_window_do_not_count(client, db, users, clock):
    user = users["marketer"]
    long_ago = clock.now - timedelta(minutes=16)
    db.add(LoginThrottle(key=_pair(user), failures=9, window_start=long_ago, last_failure=long_ago))
    db.commit()
    assert login(client, user).status_code == 302


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


# --- proxies ----------------------------------------------------------------------------------


def test_forwarded_address_is_ignored_without_trusted_proxies(client, db, users):
    client.post(
        "/auth/login",
        data={"email": users["lead"].email, "password": "wrong password"},
        environ_base={"HTTP_X_FORWARDED_FOR": "192.0.2.44"},
    )
    assert db.get(LoginThrottle, _pair(users["lead"])) is not None
    assert db.get(LoginThrottle, _pair(users["lead"], "192.0.2.44")) is None


def test_trusted_proxy_gives_the_client_address(tmp_path, _template_db):
    url = conftest.database_url(tmp_path, _template_db)
    app = create_app(conftest.test_config(url, TRUSTED_PROXIES=1), instance_path=tmp_path / "i")
    try:
        with Session(app.extensions[ENGINE_KEY], expire_on_commit=False) as db:
            lead = factories.make_user(db, role="lead")
            app.test_client().post(
                "/auth/login",
                data={"email": lead.email, "password": "wrong password"},
                environ_base={"HTTP_X_FORWARDED_FOR": "192.0.2.44"},
            )
            assert db.get(LoginThrottle, _pair(lead, "192.0.2.44")) is not None
    finally:
        app.extensions[ENGINE_KEY].dispose()


@pytest.mark.parametrize("value", [-1, 11, "two", True])
def test_trusted_proxies_setting_is_checked(tmp_path, _template_db, value):
    url = conftest.database_url(tmp_path, _template_db)
    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        create_app(conftest.test_config(url, TRUSTED_PROXIES=value), instance_path=tmp_path / "i")


# --- cookies over HTTPS -----------------------------------------------------------------------


def test_https_cookies_are_secure_with_the_host_prefix(tmp_path, _template_db):
    url = conftest.database_url(tmp_path, _template_db)
    config = conftest.test_config(url, PREFERRED_URL_SCHEME="https")
    app = create_app(config, instance_path=tmp_path / "i")
    try:
        with Session(app.extensions[ENGINE_KEY], expire_on_commit=False) as db:
            lead = factories.make_user(db, role="lead")
        response = app.test_client().post(
            "/auth/login",
            data={"email": lead.email, "password": PASSWORD},
            base_url="https://localhost",
        )
        assert response.status_code == 302
        cookie = response.headers["Set-Cookie"]
        assert cookie.startswith("__Host-session=")
        assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie
    finally:
        app.extensions[ENGINE_KEY].dispose()


def test_plain_http_keeps_the_plain_cookie(client, users):
    response = login(client, users["lead"])
    assert response.headers["Set-Cookie"].startswith("session=")
    assert "Secure" not in response.headers["Set-Cookie"]
