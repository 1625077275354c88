"""SQL data sources in the browser, per role: leads manage sources and queries, marketers test
and refresh, viewers see results only; bad shapes, too many rows and timeouts say why and store
nothing; KPI values from a query fill the week's review and can be overridden with a reason."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from experiment_factories import running
from helpers import count, text, visible_text
from sqlmodel import select

from hypotheses.domain.sources import keys
from hypotheses.models import (
    DataSource,
    Experiment,
    ExperimentSource,
    KpiFetch,
    KpiValue,
    Metric,
    ResultSet,
    SourceRefresh,
)

ASSIGNMENT = "SELECT user_id, variant, exposed_at FROM assignments"
METRIC = "SELECT user_id, event_at, value FROM leads"


@pytest.fixture
def events_file(app, tmp_path):
    """300 users in Control and B (a third convert in Control, half in B)."""
    app.config["SOURCES_FILE_ROOTS"] = [str(tmp_path)]
    path = tmp_path / "events.duckdb"
    conn = duckdb.connect(str(path))
    conn.execute(
        "CREATE TABLE assignments AS SELECT i AS user_id, "
        "CASE WHEN i % 2 = 0 THEN 'Control' ELSE 'B' END AS variant, "
        "TIMESTAMP '2026-01-02 00:00:00' + to_minutes(i) AS exposed_at FROM range(300) t(i)"
    )
    conn.execute(
        "CREATE TABLE leads AS SELECT user_id, exposed_at + INTERVAL 1 HOUR AS event_at, "
        "1.0 AS value FROM assignments "
        "WHERE (variant = 'Control' AND user_id % 3 = 0) OR (variant = 'B' AND user_id % 4 = 1)"
    )
    conn.execute(
        "CREATE TABLE weekly AS SELECT current_date - 14 + CAST(i AS INTEGER) AS day, "
        "10.0 + i AS amount FROM range(28) t(i)"
    )
    conn.close()
    return str(path)


def _add_source(client, name, kind, connection, **extra):
    data = {"name": name, "kind": kind, "connection": connection}
    data.update({"timeout_s": "30", "max_rows": "1000"})
    data.update(extra)
    return client.post("/sources/new", data=data)


@pytest.fixture
def test_with_source(db, team, users, auth, client, events_file):
    hypothesis = running(db, team=team, lead=users["lead"])
    experiment = db.exec(select(Experiment).where(Experiment.hypothesis_id == hypothesis.id)).one()
    experiment.started_at = datetime(2026, 1, 1, tzinfo=UTC)
    db.add(experiment)
    db.commit()
    auth.login("lead")
    assert _add_source(client, "Events", "duckdb", events_file).status_code == 302
    source = db.exec(select(DataSource)).one()
    db.commit()
    return experiment, source


def _setup(client, experiment, source, assignment=ASSIGNMENT, metric=METRIC, days="7"):
    return client.post(
        f"/sources/tests/{experiment.id}/setup",
        data={
            "source_id": str(source.id),
            "assignment_sql": assignment,
            "days": days,
            "metric_sql:primary": metric,
        },
    )


def test_roles_on_sources(client, auth, db, events_file):
    auth.login("viewer")
    assert client.get("/sources/").status_code == 403
    assert _add_source(client, "X", "duckdb", events_file).status_code == 403
    auth.login("marketer")
    page = client.get("/sources/")
    assert page.status_code == 200 and "Add a data source" not in text(page)
    assert _add_source(client, "X", "duckdb", events_file).status_code == 403
    assert count(db, DataSource) == 0
    auth.login("admin")
    assert _add_source(client, "Warehouse", "duckdb", events_file).status_code == 302
    auth.login("lead")
    response = _add_source(
        client, "Product DB", "postgresql", "postgresql://reader:hunter2@127.0.0.1:1/product"
    )
    assert response.status_code == 302
    page = text(client.get("/sources/"))
    assert "hunter2" not in page and "reader:***@127.0.0.1:1/product" in page
    stored = db.exec(select(DataSource).where(DataSource.name == "Product DB")).one()
    assert "hunter2" not in stored.secret
    db.commit()
    # the engine's own message when the connection fails
    auth.login("marketer")
    response = client.post(f"/sources/{stored.id}/check", follow_redirects=True)
    assert "The connection failed" in text(response)
    assert "refused" in text(response) or "failed" in visible_text(response).lower()
    ok = db.exec(select(DataSource).where(DataSource.name == "Warehouse")).one()
    db.commit()
    response = client.post(f"/sources/{ok.id}/check", follow_redirects=True)
    assert "The connection works" in text(response)
    assert client.post(f"/sources/{ok.id}/delete").status_code == 403


def test_source_form_errors(client, auth, db):
    auth.login("lead")
    response = _add_source(client, "", "duckdb", "", timeout_s="0")
    assert response.status_code == 422
    page = text(response)
    assert "Give the source a name" in page and "Give the connection" in page
    assert "timeout is a whole number" in page
    response = _add_source(client, "PG", "postgresql", "not a url", max_rows="x")
    assert response.status_code == 422 and "is-invalid" in text(response)
    response = _add_source(client, "PG", "postgresql", "not a url")
    assert response.status_code == 422 and "This is not a URL" in text(response)
    assert count(db, DataSource) == 0


def test_setup_refresh_and_roles(client, auth, db, test_with_source):
    experiment, source = test_with_source
    # a marketer cannot set the queries up
    auth.login("marketer")
    assert _setup(client, experiment, source).status_code == 403
    # the wrong shape is refused with the columns it returned; nothing stored
    auth.login("lead")
    response = _setup(client, experiment, source, assignment="SELECT user_id FROM assignments")
    assert response.status_code == 422
    assert "must return exactly user_id, variant, exposed_at" in text(response)
    assert count(db, ExperimentSource) == 0
    response = _setup(client, experiment, source, metric="SELECT * FROM nothing_here")
    assert response.status_code == 422 and "nothing_here" in text(response)
    assert _setup(client, experiment, source).status_code == 302
    page = text(client.get(f"/sources/tests/{experiment.id}"))
    assert "Generated SQL" in page and "WITH" in page and ":window_start" in page
    # a marketer refreshes: the results are recorded as a look
    auth.login("marketer")
    response = client.post(f"/sources/tests/{experiment.id}/refresh", follow_redirects=True)
    assert "Refreshed from the source" in text(response)
    result = db.exec(select(ResultSet).where(ResultSet.experiment_id == experiment.id)).one()
    db.commit()
    assert result.source == "sql" and not result.final
    assert result.data == [
        {"name": "Control", "visitors": 150, "conversions": 50},
        {"name": "B", "visitors": 150, "conversions": 75},
    ]
    assert count(db, SourceRefresh) == 1
    page = text(client.get(f"/sources/tests/{experiment.id}"))
    assert "<svg" in page and "Cumulative lift" in page
    detail = text(client.get(f"/experiments/{experiment.id}"))
    assert "Results from SQL" in detail
    # a viewer sees the results, not the SQL, and cannot refresh
    auth.login("viewer")
    page = client.get(f"/sources/tests/{experiment.id}")
    assert page.status_code == 200 and "Generated SQL" not in text(page)
    assert "Refresh now" not in text(page) and "<svg" in text(page)
    assert client.post(f"/sources/tests/{experiment.id}/refresh").status_code == 403
    assert count(db, SourceRefresh) == 1


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        (
            "SELECT user_id, CASE WHEN user_id < 5 THEN 'Z' ELSE variant END AS variant, "
            "exposed_at FROM assignments",
            "more than 2 rows",
        ),
        (
            "SELECT user_id, 'Z' AS variant, exposed_at FROM assignments",
            "variants this test does not have: Z",
        ),
        (
            "SELECT a.user_id, a.variant, a.exposed_at FROM assignments a, range(4000) r1, "
            "range(4000) r2 WHERE r1.range + r2.range < 0",
            "timeout",
        ),
    ],
)
def test_refresh_problems_store_nothing(client, auth, db, test_with_source, assignment, message):
    experiment, source = test_with_source
    auth.login("lead")
    assert _setup(client, experiment, source).status_code == 302
    setup = db.exec(select(ExperimentSource)).one()
    setup.assignment_sql = assignment  # as if the tables changed under a saved query
    stored = db.get(DataSource, source.id)
    stored.timeout_s = 1
    db.add_all([setup, stored])
    db.commit()
    response = client.post(f"/sources/tests/{experiment.id}/refresh", follow_redirects=True)
    assert "Refresh failed" in text(response) and message in text(response)
    assert count(db, ResultSet) == 0 and count(db, SourceRefresh) == 0


def test_kpi_from_source_and_override(client, auth, db, team, events_file):
    metric = Metric(team_id=team.id, name="Revenue from SQL", unit="money")
    db.add(metric)
    db.commit()
    auth.login("lead")
    assert _add_source(client, "Events", "duckdb", events_file).status_code == 302
    source = db.exec(select(DataSource)).one()
    db.commit()
    bad = client.post(
        f"/sources/kpis/{metric.id}",
        data={"source_id": str(source.id), "source_query": "SELECT day, amount FROM weekly"},
    )
    assert bad.status_code == 422 and "one row with one column" in text(bad)
    query = "SELECT SUM(amount) FROM weekly WHERE day >= :week_start AND day < :week_end"
    response = client.post(
        f"/sources/kpis/{metric.id}", data={"source_id": str(source.id), "source_query": query}
    )
    assert response.status_code == 302
    auth.login("marketer")
    assert (
        client.post(
            f"/sources/kpis/{metric.id}", data={"source_id": str(source.id), "source_query": ""}
        ).status_code
        == 403
    )
    response = client.post("/reviews/open", follow_redirects=True)
    assert response.status_code == 200 and "from source" in text(response)
    value = db.exec(select(KpiValue).where(KpiValue.metric_id == metric.id)).one()
    mark = db.exec(select(KpiFetch)).one()
    db.commit()
    assert value.value == mark.value
    page = text(client.get(f"/sources/reviews/{mark.review_id}"))
    assert "from source" in page
    url = f"/sources/reviews/{mark.review_id}/{metric.id}/override"
    response = client.post(url, data={"value": "99", "reason": ""})
    assert response.status_code == 422 and "Say why" in text(response)
    response = client.post(url, data={"value": "99", "reason": "Refunds not in the table yet"})
    assert response.status_code == 302
    auth.login("viewer")
    page = text(client.get(f"/sources/reviews/{mark.review_id}"))
    assert "Refunds not in the table yet" in page and "Override" not in page
    db.expire_all()
    assert db.get(KpiValue, value.id).value == 99
    assert db.get(KpiFetch, mark.id).override_reason == "Refunds not in the table yet"
    db.commit()


def test_rotate_key_and_due_refresh(app, runner, client, auth, db, test_with_source):
    experiment, source = test_with_source
    auth.login("lead")
    assert _setup(client, experiment, source).status_code == 302
    with app.app_context():
        old = keys.configured_keys()[0]
    new = keys.new_key()
    app.config["SOURCES_ENCRYPTION_KEYS"] = f"{new},{old}"
    result = runner.invoke(args=["sources", "rotate-key"])
    assert result.exit_code == 0, result.output
    db.expire_all()
    stored = db.get(DataSource, source.id)
    db.commit()
    app.config["SOURCES_ENCRYPTION_KEYS"] = new  # the old key dropped: still readable
    with app.app_context():
        assert keys.unseal(stored.secret).endswith("events.duckdb")
    db.commit()
    result = runner.invoke(args=["sources", "refresh", "--due"])
    assert result.exit_code == 0, result.output
    assert f"test {experiment.id}: ok" in result.output
    assert count(db, SourceRefresh) == 1
    result = runner.invoke(args=["sources", "refresh", "--due"])  # done today already
    assert count(db, SourceRefresh) == 1


def test_refresh_record_and_results_commit_together(
    client, auth, db, test_with_source, monkeypatch
):
    """The results of a refresh and its refresh record are one transaction: when the record
    cannot be stored, the results are not stored either."""
    from hypotheses.domain.sources import refresh as refresh_module

    experiment, source = test_with_source
    auth.login("lead")
    assert _setup(client, experiment, source).status_code == 302

    def broken(**kwargs):
        raise RuntimeError("the refresh record cannot be written")

    monkeypatch.setattr(refresh_module, "SourceRefresh", broken)
    auth.login("marketer")
    with pytest.raises(RuntimeError, match="cannot be written"):
        client.post(f"/sources/tests/{experiment.id}/refresh")
    assert count(db, ResultSet) == 0 and count(db, SourceRefresh) == 0


def test_file_sources_only_inside_the_file_roots(app, client, auth, db, events_file, tmp_path):
    """A lead cannot point a DuckDB, folder or chDB source at files outside SOURCES_FILE_ROOTS
    (by default instance/sources)."""
    auth.login("lead")
    app.config["SOURCES_FILE_ROOTS"] = [str(tmp_path / "elsewhere")]
    response = _add_source(client, "Events", "duckdb", events_file)
    assert response.status_code == 422
    assert "outside the folders data sources may read" in text(response)
    app.config["SOURCES_FILE_ROOTS"] = None  # the default: the instance's sources folder
    for kind in ("files", "chdb"):
        response = _add_source(client, "Etc", kind, "/etc")
        assert response.status_code == 422
        assert "outside the folders data sources may read" in text(response)
        assert str(Path(app.instance_path).resolve() / "sources") in text(response)
    assert count(db, DataSource) == 0
