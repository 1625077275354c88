"""Who may do what on the test screens: viewers read only, marketers cannot start/stop/decide."""

from __future__ import annotations

import conftest
import experiment_factories as ef
from helpers import count, experiment_of, text
from sqlmodel import Session, select

from hypotheses import create_app
from hypotheses.db import ENGINE_KEY
from hypotheses.domain.experiments import results as experiment_results
from hypotheses.models import Experiment, ResultSet

# ---------------------------------------------------------------- roles and isolation


def test_viewer_sees_everything_and_changes_nothing(client, auth, db, team, users):
    hypothesis = ef.running(db, team=team, lead=users["lead"])
    experiment_results.record_results(
        db,
        team=team,
        actor=users["marketer"],
        hypothesis_id=hypothesis.id,
        variants=ef.conversion_results(),
        final=False,
    )
    exp = experiment_of(db, hypothesis)
    auth.login("viewer")
    page = text(client.get(f"/experiments/{exp.id}"))
    assert 'id="verdict"' in page and 'id="analysis-table"' in page and "<svg" in page
    for marker in (
        'id="start-test"',
        'id="stop-form"',
        'id="results-form"',
        'id="csv-form"',
        'id="finish-test"',
        'id="decision-form"',
        'id="edit-design"',
    ):
        assert marker not in page
    assert client.get("/experiments/").status_code == 200
    assert client.get(f"/backlog/{hypothesis.id}").status_code == 200
    for path in (
        f"/experiments/{exp.id}/start",
        f"/experiments/{exp.id}/stop",
        f"/experiments/{exp.id}/results",
        f"/experiments/{exp.id}/results/csv",
        f"/experiments/{exp.id}/results/per-user",
        f"/experiments/{exp.id}/finish",
        f"/experiments/{exp.id}/decision",
        f"/experiments/design/{hypothesis.id}",
    ):
        assert client.post(path, data={"reason": "x"}).status_code == 403, path
    assert client.get(f"/experiments/design/{hypothesis.id}").status_code == 403
    assert count(db, ResultSet) == 1 and experiment_of(db, hypothesis).status == "running"


def test_marketer_cannot_start_stop_or_decide(client, auth, db, team, users):
    hypothesis = ef.running(db, team=team, lead=users["lead"])
    exp = experiment_of(db, hypothesis)
    auth.login("marketer")
    for action in ("start", "stop", "decision"):
        assert (
            client.post(f"/experiments/{exp.id}/{action}", data={"reason": "x"}).status_code == 403
        )


def test_index_and_hypothesis_page_show_the_test(client, auth, db, team, users):
    running = ef.running(db, team=team, lead=users["lead"], title="Running one")
    ready = ef.approved(db, team=team, title="Needs a design")
    auth.login("viewer")
    index = text(client.get("/experiments/"))
    assert (
        "1 of 3 test slots in use" in index and "Running one" in index and "Needs a design" in index
    )
    section = text(client.get(f"/backlog/{running.id}"))
    assert 'id="test-section"' in section and "Locked at start on" in section
    auth.login("marketer")
    assert 'id="design-test"' in text(client.get(f"/backlog/{ready.id}"))


def test_other_teams_tests_are_404(client, auth, db, team, users):
    import factories

    other = factories.make_team(db, "Other team")
    lead = factories.make_user(db, team=other, role="lead")
    hypothesis = ef.running(db, team=other, lead=lead)
    exp = experiment_of(db, hypothesis)
    auth.login("lead")
    assert client.get(f"/experiments/{exp.id}").status_code == 404
    assert client.post(f"/experiments/{exp.id}/stop", data={"reason": "x"}).status_code == 404
    assert client.get(f"/experiments/design/{hypothesis.id}").status_code == 404


def test_csrf_is_required_for_state_changes(tmp_path, _template_db):
    app = create_app(
        conftest.test_config(conftest.database_url(tmp_path, _template_db), WTF_CSRF_ENABLED=True),
        instance_path=tmp_path / "instance",
    )
    try:
        with Session(app.extensions[ENGINE_KEY], expire_on_commit=False) as db:
            import factories

            team = factories.make_team(db)
            lead = factories.make_user(db, team=team, role="lead")
            hypothesis = ef.designed(db, team=team, actor=lead)
            exp_id = db.exec(select(Experiment.id)).one()
            db.commit()
        client = app.test_client()
        with client.session_transaction() as sess:
            sess["_user_id"] = lead.get_id()
            sess["_fresh"] = True
        assert client.post(f"/experiments/{exp_id}/start").status_code == 400
        with Session(app.extensions[ENGINE_KEY]) as db:
            assert db.exec(select(Experiment.status)).one() == "design"
        del hypothesis
    finally:
        app.extensions[ENGINE_KEY].dispose()
