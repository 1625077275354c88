"""A designed, not started test's page shows its plan: sample, duration, what is decided, how."""

from __future__ import annotations

import experiment_factories
from helpers import visible_text
from sqlmodel import select

from hypotheses.models import Experiment


def _experiment(db, hypothesis) -> Experiment:
    experiment = db.exec(select(Experiment).where(Experiment.hypothesis_id == hypothesis.id)).one()
    db.commit()
    return experiment


def test_a_designed_test_shows_its_plan_and_a_running_one_does_not(client, auth, db, team, users):
    designed = experiment_factories.designed(db, team=team, actor=users["lead"])
    experiment = _experiment(db, designed)
    auth.login("viewer")
    text = visible_text(client.get(f"/experiments/{experiment.id}"))
    assert "The plan" in text
    total = experiment.per_variant * 2
    assert f"{experiment.per_variant:,} per variant, {total:,} in all" in text
    assert f"for about {experiment.duration_days} days" in text
    assert "Lead rate, now 3.10%." in text
    assert "by at least 10.0% of its current value against the control" in text
    assert "80% of the time" in text
    assert "Two-proportion z-test" in text and "α = 0.05" in text

    running = experiment_factories.running(db, team=team, lead=users["lead"])
    text = visible_text(client.get(f"/experiments/{_experiment(db, running).id}"))
    assert "The plan" not in text
