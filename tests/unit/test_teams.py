"""Domain rules for teams and team settings."""

from __future__ import annotations

import factories
import pytest
from sqlmodel import select

import stats
from hypotheses.domain.accounts import teams
from hypotheses.domain.core.errors import (
    Conflict,
    DomainError,
    LimitReached,
    StaleVersion,
    ValidationFailed,
)
from hypotheses.enums import EarlyLookMethod
from hypotheses.models import AuditEntry, Experiment, Membership, Metric, Team

DEFAULTS = {
    "backlog_min": 10,
    "backlog_max": 30,
    "active_test_limit": 3,
    "score_formula": "mean",
    "rice_enabled": False,
    "allow_self_approval": False,
    "default_language": None,
    "early_look_method": "obrien-fleming",
    "currency": "RUB",
}


def _save(db, team, actor, **changes):
    return teams.update_settings(db, team=team, actor=actor, **{**DEFAULTS, **changes})


def _entries(db, action):
    return list(db.exec(select(AuditEntry).where(AuditEntry.action == action)).all())


def _run_tests(db, team, count: int) -> None:
    for slot in range(1, count + 1):
        hypothesis = factories.make_hypothesis(db, team=team, status="running")
        db.add(
            Experiment(team_id=team.id, hypothesis_id=hypothesis.id, status="running", slot=slot)
        )
    db.commit()


def test_new_team_has_the_documented_defaults(team):
    assert teams.settings_of(team) == DEFAULTS


def test_update_settings_saves_audits_and_commits(db, team, users):
    changes = _save(
        db,
        team,
        users["lead"],
        backlog_min=5,
        backlog_max=40,
        active_test_limit=2,
        score_formula="product",
        rice_enabled=True,
        allow_self_approval=True,
    )
    assert changes == {
        "backlog_min": [10, 5],
        "backlog_max": [30, 40],
        "active_test_limit": [3, 2],
        "score_formula": ["mean", "product"],
        "rice_enabled": [False, True],
        "allow_self_approval": [False, True],
    }
    db.expire_all()
    stored = db.get(Team, team.id)
    assert teams.settings_of(stored)["score_formula"] == "product" and stored.backlog_max == 40
    entry = _entries(db, "team.settings")[0]
    assert entry.actor_id == users["lead"].id and entry.team_id == team.id
    assert entry.changes["backlog_min"] == [10, 5]


def test_unchanged_settings_write_nothing(db, team, users):
    assert _save(db, team, users["lead"]) == {}
    assert _entries(db, "team.settings") == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"backlog_min": -1}, "backlog_min"),
        ({"backlog_min": 501, "backlog_max": 500}, "backlog_min"),
        ({"backlog_max": 0, "backlog_min": 0}, "backlog_max"),
        ({"backlog_max": 501}, "backlog_max"),
        ({"backlog_min": 31}, "backlog_max"),  # min above max
        ({"active_test_limit": 0}, "active_test_limit"),
        ({"active_test_limit": 4}, "active_test_limit"),
        ({"active_test_limit": True}, "active_test_limit"),  # a bool is not a number here
        ({"score_formula": "median"}, "score_formula"),
        ({"rice_enabled": "yes"}, "rice_enabled"),
        ({"early_look_method": "bayesian"}, "early_look_method"),
    ],
)
def test_invalid_settings_are_refused_by_field(db, team, users, changes, field):
    with pytest.raises(ValidationFailed) as caught:
        _save(db, team, users["lead"], **changes)
    assert field in caught.value.fields
    db.expire_all()
    assert teams.settings_of(db.get(Team, team.id)) == DEFAULTS


def test_early_look_method_is_a_setting_kept_when_not_given(db, team, users):
    changes = _save(db, team, users["lead"], early_look_method="pocock")
    assert changes == {"early_look_method": ["obrien-fleming", "pocock"]}
    values = {**DEFAULTS}
    del values["early_look_method"]  # a caller that does not know the setting keeps it
    assert teams.update_settings(db, team=team, actor=users["lead"], **values) == {}
    db.expire_all()
    assert db.get(Team, team.id).early_look_method == "pocock"


def test_bounds_edges_are_accepted(db, team, users):
    _save(db, team, users["lead"], backlog_min=0, backlog_max=1)
    _save(db, team, users["lead"], backlog_min=500, backlog_max=500, active_test_limit=1)
    assert (team.backlog_min, team.backlog_max, team.active_test_limit) == (500, 500, 1)


def test_lowering_limit_below_running_tests_is_refused(db, team, users):
    _run_tests(db, team, 2)
    with pytest.raises(LimitReached) as caught:
        _save(db, team, users["lead"], active_test_limit=1)
    assert caught.value.field == "active_test_limit"
    assert "2 tests are running" in caught.value.message
    db.rollback()
    assert db.get(Team, team.id).active_test_limit == 3
    _save(db, team, users["lead"], active_test_limit=2)  # equal to the running count is fine
    assert team.active_test_limit == 2


def test_other_teams_running_tests_do_not_count(db, team, users):
    other = factories.make_team(db, "Other team")
    _run_tests(db, other, 3)
    _save(db, team, users["lead"], active_test_limit=1)
    assert team.active_test_limit == 1


def test_stale_settings_form_is_refused_with_the_changes(db, team, users):
    loaded = teams.settings_of(team)
    _save(db, team, users["admin"], backlog_max=50)
    with pytest.raises(StaleVersion) as caught:
        _save(db, team, users["lead"], backlog_min=3, expected=loaded)
    change = caught.value.changes[0]
    assert change["changes"] == {"backlog_max": [30, 50]}
    assert change["who"] == users["admin"].name
    db.rollback()
    assert db.get(Team, team.id).backlog_min == 10
    # Based on the current values, the same save goes through.
    _save(db, team, users["lead"], backlog_min=3, backlog_max=50, expected=teams.settings_of(team))
    assert team.backlog_min == 3


def test_create_team_seeds_catalog_and_joins_actor(db, users):
    team = teams.create_team(db, name="  Growth EU ", actor=users["admin"], join_as="admin")
    assert team.name == "Growth EU"
    metrics = db.exec(select(Metric).where(Metric.team_id == team.id)).all()
    assert len(metrics) >= 5
    membership = db.exec(select(Membership).where(Membership.team_id == team.id)).one()
    assert (membership.user_id, membership.role) == (users["admin"].id, "admin")
    assert _entries(db, "team.create")[0].actor_id == users["admin"].id


@pytest.mark.parametrize("name", ["Test team", "TEST TEAM", " test team "])
def test_create_team_refuses_duplicates(db, team, users, name):
    with pytest.raises(Conflict) as caught:
        teams.create_team(db, name=name, actor=users["admin"])
    assert caught.value.field == "name"


@pytest.mark.parametrize("name", ["", "   ", "x" * 121])
def test_create_team_refuses_bad_names(db, users, name):
    with pytest.raises(DomainError) as caught:
        teams.create_team(db, name=name, actor=users["admin"])
    assert caught.value.field == "name"


def test_create_team_refuses_unknown_join_role(db, users):
    with pytest.raises(DomainError):
        teams.create_team(db, name="New", actor=users["admin"], join_as="owner")
    assert db.exec(select(Team).where(Team.name == "New")).first() is None


def test_rename_team(db, team, users):
    other = factories.make_team(db, "Other team")
    with pytest.raises(Conflict):
        teams.rename_team(db, team=team, name="other TEAM", actor=users["admin"])
    db.rollback()
    teams.rename_team(db, team=team, name="Test Team", actor=users["admin"])  # own name, new case
    teams.rename_team(db, team=team, name="Renamed", actor=users["admin"])
    db.expire_all()
    assert db.get(Team, team.id).name == "Renamed" and db.get(Team, other.id).name == "Other team"
    assert [e.changes["name"] for e in _entries(db, "team.rename")] == [
        ["Test team", "Test Team"],
        ["Test Team", "Renamed"],
    ]


def test_list_teams_counts_members_and_admins(db, team, users):
    factories.make_team(db, "Another")
    rows = {t.name: (members, admins) for t, members, admins in teams.list_teams(db)}
    assert rows == {"Another": (0, 0), "Test team": (4, 1)}


def test_backlog_count_uses_the_bounds_definition(db, team, users):
    """Backlog and approved hypotheses count toward the bounds; ideas and rejected ones do not."""
    for status in ("backlog", "approved", "idea", "rejected", "archived"):
        factories.make_hypothesis(db, team=team, status=status)
    assert teams.backlog_count(db, team=team) == 2


def test_early_look_methods_are_the_engines_each_with_a_promise(app):
    assert [m.value for m in EarlyLookMethod] == list(stats.EARLY_LOOK_METHODS)
    with app.test_request_context():
        for method in EarlyLookMethod:
            assert str(method.promise).count(".") == 1 and str(method.label)
            assert EarlyLookMethod.promise_of(method.value) is method.promise
    assert EarlyLookMethod.promise_of("nope") is None
