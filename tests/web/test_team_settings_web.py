"""Admin screens for teams, and the team settings page for leads and admins."""

from __future__ import annotations

import factories
import pytest
from account_helpers import all_rows, now_row, role_of, tag
from sqlmodel import select

from hypotheses.models import AuditEntry, Experiment, Metric, Team


def _settings(**changes) -> dict:
    data = {
        "backlog_min": "10",
        "backlog_max": "30",
        "active_test_limit": "3",
        "score_formula": "mean",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# --- teams ---------------------------------------------------------------------------------------


def test_create_team_with_catalog_and_membership(client, auth, db, users):
    admin = auth.login("admin")
    response = client.post("/admin/teams", data={"name": "Growth EU", "join": "y"})
    assert response.status_code == 302
    (new,) = all_rows(db, select(Team).where(Team.name == "Growth EU"))
    assert all_rows(db, select(Metric).where(Metric.team_id == new.id))
    assert role_of(db, admin, new) == "admin"
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
    assert len(all_rows(db, select(Team))) == 1


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
    assert now_row(db, team).name == "Performance"
    assert now_row(db, other).name == "Brand team"
    assert client.post("/admin/teams/999/rename", data={"t999-name": "X"}).status_code == 404


# --- team settings -----------------------------------------------------------------------------


def test_settings_page_shows_current_values_and_explanations(client, auth, db, team):
    team.backlog_min, team.score_formula = 7, "product"
    db.add(team)
    db.commit()
    auth.login("lead")
    html = client.get("/admin/settings").get_data(as_text=True)
    assert 'value="7"' in tag(html, 'name="backlog_min"')
    assert 'value="30"' in tag(html, 'name="backlog_max"')
    assert "checked" in tag(html, 'value="product"')
    assert "checked" not in tag(html, 'value="mean"')
    assert "checked" not in tag(html, 'name="rice_enabled"')
    assert "selected" in tag(html, 'value="3"', element="option")
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
    stored = now_row(db, team)
    assert (
        stored.backlog_min,
        stored.backlog_max,
        stored.active_test_limit,
        stored.score_formula,
        stored.rice_enabled,
        stored.allow_self_approval,
    ) == (5, 25, 2, "product", True, True)
    (entry,) = all_rows(db, select(AuditEntry).where(AuditEntry.action == "team.settings"))
    assert entry.actor_id == users["lead"].id
    assert entry.changes["backlog_max"] == [30, 25]
    # Unticked checkboxes turn the options off again.
    client.post(
        "/admin/settings",
        data=_settings(
            backlog_min="5", backlog_max="25", active_test_limit="2", score_formula="product"
        ),
    )
    stored = now_row(db, team)
    assert not stored.rice_enabled and not stored.allow_self_approval


def test_lead_chooses_how_early_looks_are_judged(client, auth, db, team):
    auth.login("lead")
    html = client.get("/admin/settings").get_data(as_text=True)
    assert "checked" in tag(html, 'value="obrien-fleming"')
    # each option shows what it promises, in one sentence
    assert "record every look" in html and "without recording looks" in html
    response = client.post("/admin/settings", data=_settings(early_look_method="always-valid"))
    assert response.status_code == 302 and now_row(db, team).early_look_method == "always-valid"
    # a post without the choice (an older form) keeps it
    assert client.post("/admin/settings", data=_settings(backlog_min="9")).status_code == 302
    assert now_row(db, team).early_look_method == "always-valid"
    response = client.post("/admin/settings", data=_settings(early_look_method="bayes"))
    assert response.status_code == 422 and "Not a valid choice" in response.get_data(as_text=True)
    assert now_row(db, team).early_look_method == "always-valid"


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
    stored = now_row(db, team)
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
    assert now_row(db, team).active_test_limit == 3


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
    assert now_row(db, team).backlog_min == 10
    # The re-shown form carries the new base, so saving again goes through.
    new_loaded = (
        text.split('name="loaded" type="hidden" value="')[1].split('"')[0].replace("&#34;", '"')
    )
    response = client.post(
        "/admin/settings", data=_settings(backlog_min="4", backlog_max="45", loaded=new_loaded)
    )
    assert response.status_code == 302
    assert now_row(db, team).backlog_min == 4
