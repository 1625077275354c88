"""A new team's first steps on the dashboard: each ticked from real data, gone when all are done."""

from __future__ import annotations

import re

import experiment_factories
from factories import make_hypothesis
from helpers import visible_text

from hypotheses.domain.experiments import lifecycle as experiments
from hypotheses.models import Review, utcnow


def _steps(client) -> dict[str, bool] | None:
    html = client.get("/").get_data(as_text=True)
    if 'id="first-steps"' not in html:
        return None
    found = re.findall(r'id="step-(\w+)" data-done="(true|false)"', html)
    return {key: done == "true" for key, done in found}


def test_a_new_team_is_led_through_its_first_steps_until_the_panel_goes(
    client, auth, db, team, users
):
    lead = auth.login("lead")
    steps = _steps(client)
    assert steps == dict.fromkeys(("add", "score", "approve", "design", "start", "review"), False)
    text = visible_text(client.get("/"))
    assert "First steps" in text and "0 of 6 done" in text
    assert "No test is running yet" in text

    make_hypothesis(db, team=team, author=lead)  # 5 / 5 / 5: nobody scored it
    assert _steps(client)["add"] and not _steps(client)["score"]
    make_hypothesis(db, team=team, author=lead, impact=8)
    assert _steps(client)["score"] and not _steps(client)["approve"]

    hypothesis = experiment_factories.approved(db, team=team, author=lead, approved_at=utcnow())
    assert _steps(client)["approve"] and not _steps(client)["design"]
    experiments.save_design(
        db,
        team=team,
        actor=lead,
        hypothesis_id=hypothesis.id,
        data=experiment_factories.design_data(),
    )
    assert _steps(client)["design"] and not _steps(client)["start"]
    experiments.start(db, team=team, actor=lead, hypothesis_id=hypothesis.id)
    steps = _steps(client)
    assert steps is not None and steps["start"] and not steps["review"]
    assert "No test is running yet" not in visible_text(client.get("/"))

    db.add(Review(team_id=team.id, iso_week="2026-W01", status="published"))
    db.commit()
    assert _steps(client) is None, "the panel goes away once every step is done"


def test_every_role_sees_the_steps_and_only_a_writer_gets_the_add_button(client, auth):
    for role, can_add in (("viewer", False), ("marketer", True)):
        auth.login(role)
        html = client.get("/").get_data(as_text=True)
        assert 'id="first-steps"' in html
        assert ('href="/backlog/new"' in html) == can_add, role
