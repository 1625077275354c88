"""Domain rules for users, memberships, passwords and sign-in throttling."""

from __future__ import annotations

import factories
import pytest
from sqlmodel import select
from werkzeug.security import check_password_hash

from hypotheses.domain.accounts import credentials, memberships, passwords
from hypotheses.domain.accounts import users as accounts
from hypotheses.domain.core.errors import Conflict, DomainError, NotFound
from hypotheses.models import AuditEntry, Membership, User

FAST = "pbkdf2:sha256:1000"


def _audit(db, action: str) -> list[AuditEntry]:
    return list(db.exec(select(AuditEntry).where(AuditEntry.action == action)).all())


# --- passwords ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1!", "at least 8"),
        ("x" * 129, "at most 128"),
        ("password123", "too common"),
        ("QWERTYUIOP", "too common"),  # the list is compared case-insensitively
        ("iloveyou2", "too common"),
    ],
)
def test_password_rules_refuse(password, message):
    with pytest.raises(DomainError) as caught:
        passwords.check_password_rules(password, field="new_password")
    assert message in caught.value.message
    assert caught.value.field == "new_password"


def test_password_rules_accept_long_passphrases_and_any_characters():
    passwords.check_password_rules("y" * 64)
    passwords.check_password_rules("Кот в сапогах 2026!")
    passwords.check_password_rules("no rules but length")


def test_common_password_list_is_large():
    # ASVS V6.2.4 asks for a list of at least the 3,000 most common passwords.
    assert len(passwords.common_passwords()) > 3000
    assert factories.PASSWORD not in passwords.common_passwords()


def test_needs_rehash_compares_method_parameters(db, users):
    user = users["viewer"]
    user.password_hash = passwords.hash_password("whatever pass", "pbkdf2:sha256:500")
    assert credentials.needs_rehash(user, FAST)
    user.password_hash = passwords.hash_password("whatever pass", FAST)
    assert not credentials.needs_rehash(user, FAST)
    assert credentials.needs_rehash(user, "scrypt:16384:8:1")


# --- users ---------------------------------------------------------------------------------


def test_create_user_normalises_and_refuses_duplicates(db):
    user = accounts.create_user(
        db, email="  Ann@Example.COM ", name=" Ann ", password="long enough pw", hash_method=FAST
    )
    db.commit()
    assert user.email == "ann@example.com" and user.name == "Ann"
    assert check_password_hash(user.password_hash, "long enough pw")
    assert user.password_hash.startswith(FAST + "$")
    with pytest.raises(Conflict) as caught:
        accounts.create_user(
            db, email="ANN@example.com", name="Other", password="long enough pw", hash_method=FAST
        )
    assert caught.value.field == "email"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": "a@b"}, "email"),
        ({"name": "   "}, "name"),
        ({"name": "n" * 121}, "name"),
        ({"password": "password"}, "password"),
    ],
)
def test_create_user_validation(db, kwargs, field):
    values = {"email": "bob@example.com", "name": "Bob", "password": "long enough pw", **kwargs}
    with pytest.raises(DomainError) as caught:
        accounts.create_user(db, hash_method=FAST, **values)
    assert caught.value.field == field


def test_add_user_creates_membership_and_audit(db, team, users):
    user = accounts.add_user(
        db,
        name="Cleo",
        email="cleo@example.com",
        password="long enough pw",
        team=team,
        role="lead",
        actor=users["admin"],
        hash_method=FAST,
    )
    db.expire_all()
    assert [(m.role, t.id) for m, t in memberships.memberships_of(db, user)] == [("lead", team.id)]
    created = _audit(db, "user.create")
    assert created and created[0].actor_id == users["admin"].id
    assert created[0].changes["email"] == [None, "cleo@example.com"]


def test_add_user_refuses_unknown_role_before_creating(db, team, users):
    with pytest.raises(DomainError) as caught:
        accounts.add_user(
            db,
            name="X",
            email="x@example.com",
            password="long enough pw",
            team=team,
            role="owner",
            actor=users["admin"],
            hash_method=FAST,
        )
    assert caught.value.field == "role"
    db.rollback()
    assert db.exec(select(User).where(User.email == "x@example.com")).first() is None


def test_update_user_diff_and_duplicate_email(db, users):
    user = users["viewer"]
    changes = accounts.update_user(
        db, user=user, name="Renamed", email=user.email, actor=users["admin"]
    )
    assert changes == {"name": [changes["name"][0], "Renamed"]}
    assert (
        accounts.update_user(db, user=user, name="Renamed", email=user.email, actor=users["admin"])
        == {}
    )
    with pytest.raises(Conflict) as caught:
        accounts.update_user(
            db, user=user, name="Renamed", email=users["lead"].email.upper(), actor=users["admin"]
        )
    assert caught.value.field == "email"


def test_get_user_not_found(db):
    with pytest.raises(NotFound):
        accounts.get_user(db, 9999)


def test_list_users_filters_and_carries_memberships(db, team, users):
    other = factories.make_team(db, "Second team")
    memberships.save_membership(
        db, user=users["viewer"], team=other, role="lead", actor=users["admin"]
    )
    rows, total = accounts.list_users(db, query="VIEWER")
    assert total == 1
    user, teams_of_user = rows[0]
    assert user.id == users["viewer"].id
    assert {(t.name, m.role) for m, t in teams_of_user} == {
        ("Test team", "viewer"),
        ("Second team", "lead"),
    }
    rows, total = accounts.list_users(db, query="100%_")
    assert (rows, total) == ([], 0)  # LIKE wildcards are escaped
    rows, total = accounts.list_users(db, offset=0, limit=2)
    assert total == 4 and len(rows) == 2


# --- memberships, roles and the last admin ------------------------------------------------


def test_role_change_rotates_token_and_is_audited(db, team, users):
    user = users["marketer"]
    token = user.session_token
    memberships.save_membership(db, user=user, team=team, role="lead", actor=users["admin"])
    assert user.session_token != token
    entry = _audit(db, "membership.role")[0]
    assert entry.changes == {"role": ["marketer", "lead"]}
    token = user.session_token
    memberships.save_membership(db, user=user, team=team, role="lead", actor=users["admin"])
    assert user.session_token == token  # no change, no rotation, no entry
    assert len(_audit(db, "membership.role")) == 1


def test_unknown_role_is_refused(db, team, users):
    with pytest.raises(DomainError) as caught:
        memberships.save_membership(
            db, user=users["viewer"], team=team, role="root", actor=users["admin"]
        )
    assert caught.value.field == "role"


def test_last_admin_cannot_be_demoted_removed_or_deactivated(db, team, users):
    admin = users["admin"]
    with pytest.raises(Conflict, match="last admin"):
        memberships.save_membership(db, user=admin, team=team, role="lead", actor=admin)
    db.rollback()
    with pytest.raises(Conflict, match="last admin"):
        memberships.remove_membership(db, user=admin, team=team, actor=admin)
    db.rollback()
    with pytest.raises(Conflict, match="last admin"):
        accounts.set_active(db, user=admin, active=False, actor=users["lead"])
    db.rollback()
    db.expire_all()
    assert db.exec(select(Membership).where(Membership.user_id == admin.id)).one().role == "admin"
    assert db.get(User, admin.id).is_active


def test_admin_in_another_team_may_lose_admin_here(db, team, users):
    admin = users["admin"]
    other = factories.make_team(db, "Second team")
    memberships.save_membership(db, user=admin, team=other, role="admin", actor=admin)
    memberships.save_membership(db, user=admin, team=team, role="viewer", actor=admin)
    assert memberships.count_admins(db) == 1
    # Now the only admin role left is in the other team: that one is protected.
    with pytest.raises(Conflict):
        memberships.remove_membership(db, user=admin, team=other, actor=admin)


def test_second_admin_allows_demotion(db, team, users):
    memberships.save_membership(
        db, user=users["lead"], team=team, role="admin", actor=users["admin"]
    )
    memberships.save_membership(
        db, user=users["admin"], team=team, role="lead", actor=users["lead"]
    )
    assert memberships.count_admins(db) == 1


def test_remove_membership_rotates_token(db, team, users):
    user = users["viewer"]
    token = user.session_token
    memberships.remove_membership(db, user=user, team=team, actor=users["admin"])
    assert user.session_token != token
    assert memberships.memberships_of(db, user) == []
    with pytest.raises(NotFound):
        memberships.remove_membership(db, user=user, team=team, actor=users["admin"])


def test_deactivation_rules(db, users):
    admin, viewer = users["admin"], users["viewer"]
    with pytest.raises(Conflict, match="your own"):
        accounts.set_active(db, user=admin, active=False, actor=admin)
    token = viewer.session_token
    accounts.set_active(db, user=viewer, active=False, actor=admin)
    assert not viewer.is_active and viewer.session_token != token
    assert (
        credentials.authenticate(
            db, email=viewer.email, password=factories.PASSWORD, hash_method=FAST
        )
        is None
    )
    accounts.set_active(db, user=viewer, active=True, actor=admin)
    assert (
        credentials.authenticate(
            db, email=viewer.email, password=factories.PASSWORD, hash_method=FAST
        ).id
        == viewer.id
    )
    assert [e.action for e in _audit(db, "user.deactivate") + _audit(db, "user.activate")] == [
        "user.deactivate",
        "user.activate",
    ]


def test_deactivated_admin_does_not_count(db, team, users):
    memberships.save_membership(
        db, user=users["lead"], team=team, role="admin", actor=users["admin"]
    )
    assert memberships.count_admins(db) == 2
    accounts.set_active(db, user=users["lead"], active=False, actor=users["admin"])
    assert memberships.count_admins(db) == 1


# --- passwords of existing users ------------------------------------------------------------


def test_change_password_checks_current_and_rotates(db, users):
    user = users["marketer"]
    with pytest.raises(DomainError) as caught:
        credentials.change_password(
            db, user=user, current="wrong one!", new="new long password", hash_method=FAST
        )
    assert caught.value.field == "current_password"
    with pytest.raises(DomainError) as caught:
        credentials.change_password(
            db, user=user, current=factories.PASSWORD, new="password1", hash_method=FAST
        )
    assert caught.value.field == "new_password"
    db.rollback()
    token = user.session_token
    credentials.change_password(
        db, user=user, current=factories.PASSWORD, new="new long password", hash_method=FAST
    )
    assert user.session_token != token
    assert check_password_hash(fresh_hash(db, user), "new long password")


def fresh_hash(db, user: User) -> str:
    db.expire_all()
    return db.get(User, user.id).password_hash


def test_reset_password_by_admin(db, users):
    user = users["viewer"]
    token = user.session_token
    credentials.reset_password(
        db, user=user, new="brand new secret", actor=users["admin"], hash_method=FAST
    )
    assert user.session_token != token
    assert check_password_hash(fresh_hash(db, user), "brand new secret")
    assert _audit(db, "user.password_reset")[0].actor_id == users["admin"].id


def test_authenticate_unknown_and_wrong(db, users):
    assert (
        credentials.authenticate(
            db, email="nobody@example.com", password="x" * 10, hash_method=FAST
        )
        is None
    )
    assert (
        credentials.authenticate(
            db, email=users["lead"].email, password="wrong password", hash_method=FAST
        )
        is None
    )
    found = credentials.authenticate(
        db, email=users["lead"].email.upper(), password=factories.PASSWORD, hash_method=FAST
    )
    assert found.id == users["lead"].id


def test_unknown_email_costs_a_full_password_check(db, users, monkeypatch):
    """Timing: an unknown e-mail still runs one check against a hash of the same method."""
    checked: list[str] = []

    def spy(stored: str, password: str) -> bool:
        checked.append(stored)
        return check_password_hash(stored, password)

    monkeypatch.setattr(credentials, "check_password_hash", spy)
    assert (
        credentials.authenticate(
            db, email="ghost@example.com", password="guess guess", hash_method=FAST
        )
        is None
    )
    assert len(checked) == 1 and checked[0].startswith(FAST + "$")
    credentials.authenticate(
        db, email=users["lead"].email, password="guess guess", hash_method=FAST
    )
    assert len(checked) == 2


def test_first_admin_needed(db):
    assert accounts.first_admin_needed(db)
    factories.make_user(db)
    assert not accounts.first_admin_needed(db)
