"""Invitations and password resets by e-mail (issue 15 item 5): an admin invites by address and
role; the link works once, for 72 hours, and sets the name and password; "forgot password"
answers the same for known and unknown addresses and sends a one-hour link; both throttled;
replayed and expired links get a clear refusal."""

from __future__ import annotations

import re
import statistics
import time
from datetime import UTC, datetime, timedelta

import factories
import pytest
from account_helpers import all_rows, login, now_row, role_of, signed_in
from helpers import text, visible_text
from sqlmodel import select

from hypotheses.models import AuditEntry, Invitation, OutboxMessage, PasswordReset, User


def _outbox(db, event):
    return all_rows(
        db, select(OutboxMessage).where(OutboxMessage.event == event).order_by(OutboxMessage.id)
    )


def _token(message, kind):
    return re.search(rf"/auth/{kind}/([A-Za-z0-9_-]+)", message.body_text).group(1)


def _invite(client, team, email="new.person@example.com", role="viewer"):
    return client.post("/admin/users/invite", data={"email": email, "team": team.id, "role": role})


def _expire(db, model, token_hash_row):
    row = db.get(model, token_hash_row.id)
    row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    db.add(row)
    db.commit()


@pytest.fixture
def quick_reset(app):
    app.config["RESET_ANSWER_SECONDS"] = 0  # the floor is tested on its own


def test_admin_invites_and_the_person_joins(client, auth, db, team, users):
    auth.login("admin")
    assert "Invite by e-mail" in text(client.get("/admin/users"))
    assert client.get("/admin/users/invite").status_code == 200
    response = _invite(client, team, email="New.Person@Example.com", role="marketer")
    assert response.status_code == 302
    (message,) = _outbox(db, "invitation")
    assert message.recipient == "new.person@example.com"
    assert message.body_html and "Accept the invitation" in message.body_html
    token = _token(message, "invitation")
    (invitation,) = all_rows(db, select(Invitation))
    assert invitation.token_hash != token and token not in invitation.token_hash  # stored hashed
    (entry,) = all_rows(db, select(AuditEntry).where(AuditEntry.action == "invitation.create"))
    assert entry.actor_id == users["admin"].id
    assert "new.person@example.com" in text(client.get("/admin/users/invite"))

    auth.logout()
    page = text(client.get(f"/auth/invitation/{token}"))
    assert "new.person@example.com" in page and "Marketer" in page
    response = client.post(
        f"/auth/invitation/{token}",
        data={
            "name": "New Person",
            "password": "a long new passphrase",
            "confirm": "a long new passphrase",
        },
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/")
    assert signed_in(client)
    (user,) = all_rows(db, select(User).where(User.email == "new.person@example.com"))
    assert user.name == "New Person" and role_of(db, user, team) == "marketer"
    assert now_row(db, invitation).used_at is not None
    # replayed: refused with a clear page, nothing created
    auth.logout()
    response = client.get(f"/auth/invitation/{token}")
    assert response.status_code == 410 and "already used" in text(response)
    response = client.post(
        f"/auth/invitation/{token}",
        data={"name": "Again", "password": "another passphrase", "confirm": "another passphrase"},
    )
    assert response.status_code == 410
    assert len(all_rows(db, select(User).where(User.email == "new.person@example.com"))) == 1
    # the new account signs in with its password
    assert login(client, user.email, "a long new passphrase").status_code == 302


def test_only_admins_invite(client, auth, db, team):
    for role in ("viewer", "marketer", "lead"):
        auth.login(role)
        assert _invite(client, team).status_code == 403
    assert _outbox(db, "invitation") == []


def test_invitation_bad_input_is_refused_next_to_the_field(client, auth, db, team, users):
    auth.login("admin")
    response = _invite(client, team, email=users["lead"].email)
    assert response.status_code == 422
    assert "A user with this e-mail already exists." in text(response)
    response = _invite(client, team, email="not an address")
    assert response.status_code == 422
    assert _outbox(db, "invitation") == []


def test_expired_or_replaced_invitation_is_refused(client, auth, db, team):
    auth.login("admin")
    _invite(client, team)
    _invite(client, team)  # the newer one replaces the first
    first, second = _outbox(db, "invitation")
    auth.logout()
    response = client.get(f"/auth/invitation/{_token(first, 'invitation')}")
    assert response.status_code == 410 and "expired" in text(response)
    assert client.get(f"/auth/invitation/{_token(second, 'invitation')}").status_code == 200
    _expire(db, Invitation, all_rows(db, select(Invitation).order_by(Invitation.id))[1])
    response = client.post(
        f"/auth/invitation/{_token(second, 'invitation')}",
        data={
            "name": "Late",
            "password": "a long new passphrase",
            "confirm": "a long new passphrase",
        },
    )
    assert response.status_code == 410 and "This link has expired" in text(response)
    assert client.get("/auth/invitation/made-up-token").status_code == 410


def test_invitation_password_rules_keep_the_link(client, auth, db, team):
    auth.login("admin")
    _invite(client, team)
    token = _token(_outbox(db, "invitation")[0], "invitation")
    auth.logout()
    response = client.post(
        f"/auth/invitation/{token}",
        data={"name": "X", "password": "password", "confirm": "password"},
    )
    assert response.status_code == 422 and "too common" in text(response)
    assert client.get(f"/auth/invitation/{token}").status_code == 200


def test_invitations_are_throttled(client, auth, db, team, app):
    import hypotheses.admin.invite_routes as invite_routes

    auth.login("admin")
    free = invite_routes.INVITES_FREE_PER_HOUR
    invite_routes.INVITES_FREE_PER_HOUR = 2
    try:
        assert _invite(client, team, email="a@example.com").status_code == 302
        assert _invite(client, team, email="b@example.com").status_code == 302
        response = _invite(client, team, email="c@example.com")
    finally:
        invite_routes.INVITES_FREE_PER_HOUR = free
    assert response.status_code == 429 and "Too many invitations" in text(response)
    assert len(_outbox(db, "invitation")) == 2


def test_forgot_password_same_answer_either_way(app, client, db, team, users):
    """The same page, and timing within noise (a floor every answer waits for), whether the
    address has an account or not."""
    app.config["RESET_ANSWER_SECONDS"] = 0.5  # above the work itself, even on a busy machine
    assert 'href="/auth/forgot"' in text(client.get("/auth/login"))
    client.post("/auth/forgot", data={"email": "warm-up@example.com"})  # templates compiled
    known = [users[role].email for role in ("admin", "lead", "marketer")]
    unknown = ["nobody@example.com", "ghost@example.com", "none@example.org"]
    timings: dict[bool, list[float]] = {True: [], False: []}
    pages = set()
    for known_email, unknown_email in zip(known, unknown, strict=True):
        for exists, email in ((True, known_email), (False, unknown_email)):
            started = time.monotonic()
            response = client.post("/auth/forgot", data={"email": email})
            timings[exists].append(time.monotonic() - started)
            assert response.status_code == 200
            pages.add(visible_text(response))
    assert len(pages) == 1 and "If an account uses this address" in pages.pop()
    assert min(timings[True] + timings[False]) >= 0.5
    assert abs(statistics.median(timings[True]) - statistics.median(timings[False])) < 0.2
    messages = _outbox(db, "password_reset")
    assert sorted(m.recipient for m in messages) == sorted(known)
    assert len(all_rows(db, select(PasswordReset))) == 3


def test_reset_link_sets_the_password_once(client, db, users, quick_reset):
    user = users["lead"]
    before = now_row(db, user)
    client.post("/auth/forgot", data={"email": user.email})
    token = _token(_outbox(db, "password_reset")[0], "reset")
    assert client.get(f"/auth/reset/{token}").status_code == 200
    response = client.post(
        f"/auth/reset/{token}",
        data={"password": "brand new passphrase", "confirm": "brand new passphrase"},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/auth/login")
    after = now_row(db, user)
    assert after.password_hash != before.password_hash
    assert after.session_token != before.session_token  # every other session ends
    assert login(client, user.email, "brand new passphrase").status_code == 302
    client.post("/auth/logout")
    assert login(client, user.email, factories.PASSWORD).status_code != 302
    # replayed: refused, the password stays
    response = client.post(
        f"/auth/reset/{token}",
        data={"password": "attacker passphrase", "confirm": "attacker passphrase"},
    )
    assert response.status_code == 410 and "already used" in text(response)
    assert now_row(db, user).password_hash == after.password_hash
    entries = all_rows(
        db, select(AuditEntry).where(AuditEntry.action == "user.password_reset_link")
    )
    assert [e.entity_id for e in entries] == [user.id]


def test_expired_reset_link_is_refused(client, db, users, quick_reset):
    user = users["viewer"]
    client.post("/auth/forgot", data={"email": user.email})
    token = _token(_outbox(db, "password_reset")[0], "reset")
    _expire(db, PasswordReset, all_rows(db, select(PasswordReset))[0])
    response = client.get(f"/auth/reset/{token}")
    assert response.status_code == 410 and "This link has expired" in text(response)
    assert "Ask for a new link" in text(response)
    response = client.post(f"/auth/reset/{token}", data={"password": "x" * 12, "confirm": "x" * 12})
    assert response.status_code == 410


def test_newer_reset_link_replaces_the_older(client, db, users, quick_reset):
    user = users["marketer"]
    client.post("/auth/forgot", data={"email": user.email})
    client.post("/auth/forgot", data={"email": user.email})
    first, second = (_token(m, "reset") for m in _outbox(db, "password_reset"))
    assert client.get(f"/auth/reset/{first}").status_code == 410
    assert client.get(f"/auth/reset/{second}").status_code == 200


def test_forgot_password_is_throttled_alike_for_unknown_addresses(client, db, users, quick_reset):
    for email in (users["admin"].email, "nobody@example.com"):
        statuses = [
            client.post("/auth/forgot", data={"email": email}).status_code for _ in range(4)
        ]
        assert statuses == [200, 200, 200, 429]
    assert len(_outbox(db, "password_reset")) == 3


def test_reset_mail_speaks_the_users_language(client, db, users, quick_reset):
    user = db.get(User, users["viewer"].id)
    user.language = "ru"
    db.add(user)
    db.commit()
    client.post("/auth/forgot", data={"email": user.email})
    (message,) = _outbox(db, "password_reset")
    assert "пароля" in message.subject
    assert "Choose" not in message.body_text
