"""The pushed-down aggregate on real engines: DuckDB (embedded), ClickHouse through chDB, and
the PostgreSQL server of the PostgreSQL run, each loaded with the same 1,000,000 generated
exposures; the engine's per-variant sufficient statistics equal numpy's reduction of the same
rows, and only one row per variant leaves the engine. Also read-only, timeouts, row limits and
bound parameters, per engine."""

from __future__ import annotations

import os
from datetime import date, datetime

import pytest
import source_data
from flask import Flask
from flask_babel import Babel

from hypotheses.domain.sources import clickhouse, engines, running, sqlgen

N = 1_000_000
WINDOW = {"window_start": datetime(2026, 1, 1), "window_end": datetime(2026, 1, 9)}
PG_URL = os.environ.get("HYPOTHESES_TEST_DATABASE_URL")
SCHEMA = "src16"


@pytest.fixture(scope="module", autouse=True)
def _babel(tmp_path_factory):
    app = Flask(__name__)
    Babel(app)
    # the engines read only inside the file roots: here the tests' own temporary folders
    app.config["SOURCES_FILE_ROOTS"] = [str(tmp_path_factory.getbasetemp())]
    with app.app_context():
        yield


@pytest.fixture(scope="module")
def expected():
    return source_data.expected_stats(N)


@pytest.fixture(scope="module")
def duckdb_file(tmp_path_factory):
    import duckdb

    path = tmp_path_factory.mktemp("duck") / "events.duckdb"
    conn = duckdb.connect(str(path))
    source_data.duckdb_load(conn, SCHEMA, N)
    conn.close()
    return str(path)


@pytest.fixture(scope="module")
def chdb_folder(tmp_path_factory):
    pytest.importorskip("chdb")
    from chdb import session as chdb_session

    path = tmp_path_factory.mktemp("chdb")
    with clickhouse.CHDB_LOCK:
        session = chdb_session.Session(str(path))
        try:
            source_data.chdb_load(session, SCHEMA, N)
        finally:
            session.close()
    return str(path)


@pytest.fixture(scope="module")
def pg_url():
    if not PG_URL:
        pytest.skip("the PostgreSQL run only (HYPOTHESES_TEST_DATABASE_URL)")
    import sqlalchemy as sa

    engine = sa.create_engine(PG_URL)
    with engine.begin() as conn:
        source_data.postgresql_load(conn, SCHEMA, N)
    engine.dispose()
    return PG_URL


def _aggregate(dialect: str, kind: str, target: str):
    sql = sqlgen.aggregate_sql(
        dialect,
        source_data.ASSIGNMENT_SQL.format(schema=SCHEMA),
        source_data.METRIC_SQL.format(schema=SCHEMA),
        source_data.DAYS,
    )
    return engines.run_query(kind, target, sql, WINDOW, timeout=60, max_rows=10)


def _check(result, expected) -> None:
    assert list(result.columns) == list(sqlgen.RESULT_COLUMNS)
    assert len(result.rows) == 2  # variants x one metric: nothing else left the engine
    got = {s["variant"]: s for s in map(sqlgen.variant_stats, result.rows)}
    assert set(got) == {"A", "B"}
    for name, want in expected.items():
        assert got[name]["n"] == want["n"]
        assert got[name]["conversions"] == want["conversions"]
        assert got[name]["sum"] == pytest.approx(want["sum"], rel=1e-12)
        assert got[name]["sum_sq"] == pytest.approx(want["sum_sq"], rel=1e-12)
    assert sum(s["n"] for s in got.values()) == N - N // 1000  # conflicting users left out


def test_duckdb_pushdown_equals_numpy(duckdb_file, expected):
    _check(_aggregate("duckdb", "duckdb", duckdb_file), expected)


def test_chdb_pushdown_equals_numpy(chdb_folder, expected):
    _check(_aggregate("clickhouse", "chdb", chdb_folder), expected)


def test_postgresql_pushdown_equals_numpy(pg_url, expected):
    _check(_aggregate("postgresql", "postgresql", pg_url), expected)


def test_window_and_attribution_days(duckdb_file):
    """A shorter window counts fewer users; 0 extra days keeps only same-instant events."""
    sql = sqlgen.aggregate_sql(
        "duckdb",
        source_data.ASSIGNMENT_SQL.format(schema=SCHEMA),
        source_data.METRIC_SQL.format(schema=SCHEMA),
        1,
    )
    half = {"window_start": datetime(2026, 1, 1), "window_end": datetime(2026, 1, 4, 12)}
    rows = engines.run_query("duckdb", duckdb_file, sql, half, max_rows=10).rows
    stats = [sqlgen.variant_stats(r) for r in rows]
    assert 0 < sum(s["n"] for s in stats) < N - N // 1000
    full = _aggregate("duckdb", "duckdb", duckdb_file).rows
    assert sum(r[4] for r in rows) < sum(r[4] for r in full)


@pytest.mark.parametrize(
    ("kind", "write"),
    [
        ("duckdb", f"CREATE TABLE {SCHEMA}.x AS SELECT 1 AS a"),
        ("chdb", f"INSERT INTO {SCHEMA}.purchases SELECT 1, now(), 1"),
        ("postgresql", f"CREATE TABLE {SCHEMA}.x AS SELECT 1 AS a"),
    ],
)
def test_writes_are_refused(kind, write, request):
    target = request.getfixturevalue(
        {"duckdb": "duckdb_file", "chdb": "chdb_folder", "postgresql": "pg_url"}[kind]
    )
    with pytest.raises(running.SourceError) as caught:
        engines.run_query(kind, target, write, timeout=10)
    message = caught.value.message.lower()
    assert "read-only" in message or "read only" in message or "readonly" in message


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM file('/etc/hostname', 'LineAsString')",
        "SELECT * FROM file('/etc/hostname', 'LineAsString') SETTINGS readonly = 0",
        "SELECT * FROM file('/etc/hostname', 'LineAsString') SETTINGS readonly = 2",
    ],
)
def test_chdb_reads_no_files_of_the_server(chdb_folder, query):
    """readonly is set for the session before the query runs: the query's own SETTINGS
    cannot lift it, and table functions such as file() stay refused."""
    with pytest.raises(running.SourceError, match="(?i)readonly"):
        engines.run_query("chdb", chdb_folder, query, timeout=10)


@pytest.mark.parametrize(
    ("kind", "slow"),
    [
        ("duckdb", "SELECT sum(a.range * b.range) FROM range(300000) a, range(300000) b"),
        ("chdb", "SELECT sum(cityHash64(number)) FROM numbers(100000000000)"),
        ("postgresql", "SELECT pg_sleep(5)"),
    ],
)
def test_timeout_cancels(kind, slow, request):
    target = request.getfixturevalue(
        {"duckdb": "duckdb_file", "chdb": "chdb_folder", "postgresql": "pg_url"}[kind]
    )
    with pytest.raises(running.QueryTimeout) as caught:
        engines.run_query(kind, target, slow, timeout=1)
    assert "timeout" in caught.value.message


@pytest.mark.parametrize(
    ("kind", "many"),
    [
        ("duckdb", "SELECT * FROM range(100)"),
        ("chdb", "SELECT number FROM numbers(100)"),
        ("postgresql", "SELECT generate_series(1, 100)"),
    ],
)
def test_row_limit(kind, many, request):
    target = request.getfixturevalue(
        {"duckdb": "duckdb_file", "chdb": "chdb_folder", "postgresql": "pg_url"}[kind]
    )
    with pytest.raises(running.TooManyRows):
        engines.run_query(kind, target, many, max_rows=10)


@pytest.mark.parametrize("kind", ["duckdb", "chdb", "postgresql"])
def test_parameters_are_bound(kind, request):
    target = request.getfixturevalue(
        {"duckdb": "duckdb_file", "chdb": "chdb_folder", "postgresql": "pg_url"}[kind]
    )
    sql = (
        f"SELECT COUNT(*) AS users FROM {SCHEMA}.assignments "
        "WHERE exposed_at >= :week_start AND exposed_at < :week_end"
    )
    params = {"week_start": date(2026, 1, 1), "week_end": date(2026, 1, 2)}
    rows = engines.run_query(kind, target, sql, params).rows
    assert 0 < int(rows[0][0]) < N
    evil = {"week_start": "2026-01-01' OR 1=1 --", "week_end": date(2026, 1, 2)}
    with pytest.raises(running.SourceError):
        engines.run_query(kind, target, sql, evil)


def test_engine_messages_and_statements(duckdb_file):
    with pytest.raises(running.SourceError, match="no_such_table"):
        engines.run_query("duckdb", duckdb_file, "SELECT * FROM no_such_table")
    with pytest.raises(running.SourceError, match="one SELECT"):
        engines.run_query("duckdb", duckdb_file, "SELECT 1; DROP TABLE x")
    assert engines.run_query("duckdb", duckdb_file, "SELECT 1 AS a;").rows == [(1,)]
    with pytest.raises(running.SourceError, match="No DuckDB file|There is no DuckDB"):
        engines.check_connection("duckdb", duckdb_file + ".missing")


def test_files_folder_reads_only_its_folder(tmp_path):
    import duckdb

    conn = duckdb.connect()
    conn.execute(
        f"COPY (SELECT range AS user_id FROM range(5)) TO '{tmp_path / 'users.parquet'}' "
        "(FORMAT parquet)"
    )
    conn.close()
    (tmp_path / "sales.csv").write_text("user_id,amount\n1,2.5\n2,3\n")
    rows = engines.run_query("files", str(tmp_path), "SELECT COUNT(*) FROM users").rows
    assert rows == [(5,)]
    assert engines.run_query("files", str(tmp_path), "SELECT SUM(amount) FROM sales").rows == [
        (5.5,)
    ]
    with pytest.raises(running.SourceError):
        engines.run_query("files", str(tmp_path), "SELECT * FROM read_csv('/etc/passwd')")


def test_dialects_and_generated_sql():
    assert engines.dialect_of("sqlalchemy", "bigquery://project") == "bigquery"
    assert engines.dialect_of("sqlalchemy", "snowflake://a") == "snowflake"
    assert engines.dialect_of("sqlalchemy", "mssql+pyodbc://a") == "ansi"
    for dialect, piece in [
        ("postgresql", "INTERVAL '7 days'"),
        ("clickhouse", "INTERVAL 7 DAY"),
        ("bigquery", "TIMESTAMP_ADD(x.first_exposure, INTERVAL 7 DAY)"),
        ("snowflake", "DATEADD(day, 7, x.first_exposure)"),
    ]:
        assert piece in sqlgen.aggregate_sql(dialect, "SELECT 1", "SELECT 2", 7)
