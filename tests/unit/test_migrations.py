"""Alembic: the migrations build exactly the models' schema, keep the constraints,
and round-trip."""

from __future__ import annotations

import json
import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

import hypotheses.models  # noqa: F401
from hypotheses.db import make_engine
from hypotheses.migrate import downgrade_database, upgrade_database

PG_URL = os.environ.get("HYPOTHESES_TEST_DATABASE_URL")


@pytest.fixture
def empty_engine(tmp_path):
    """An engine on an empty database (a fresh SQLite file, or the PostgreSQL test database
    wiped)."""
    if PG_URL:
        engine = make_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        yield engine
        # Leave the schema as the other tests expect it (conftest builds it once per run).
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        SQLModel.metadata.create_all(engine)
        engine.dispose()
    else:
        engine = make_engine(f"sqlite:///{tmp_path / 'migrated.sqlite'}")
        yield engine
        engine.dispose()


def _diff(engine) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, SQLModel.metadata)


def test_upgrade_builds_the_models_schema(empty_engine):
    upgrade_database(empty_engine)
    assert _diff(empty_engine) == []


def test_constraints_that_enforce_rules_survive(empty_engine):
    upgrade_database(empty_engine)
    inspector = inspect(empty_engine)
    indexes = {ix["name"]: ix for ix in inspector.get_indexes("experiment")}
    assert indexes["uq_experiment_running_slot"]["unique"]
    checks = {c["name"] for c in inspector.get_check_constraints("experiment")}
    assert {"ck_experiment_slot_range", "ck_experiment_alpha"} <= checks
    hypothesis_checks = {c["name"] for c in inspector.get_check_constraints("hypothesis")}
    assert {
        "ck_hypothesis_impact",
        "ck_hypothesis_confidence",
        "ck_hypothesis_ease",
    } <= hypothesis_checks


def test_downgrade_and_upgrade_round_trip(empty_engine):
    upgrade_database(empty_engine)
    downgrade_database(empty_engine, "base")
    assert set(inspect(empty_engine).get_table_names()) <= {"alembic_version"}
    upgrade_database(empty_engine)
    assert _diff(empty_engine) == []
    if empty_engine.dialect.name == "sqlite":
        with empty_engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_json_text_becomes_json_values_and_back(empty_engine):
    """Stored JSON text survives the JSON-column migration (floats exactly) and the way back."""
    from hypotheses.models.core import utcnow

    tables = SQLModel.metadata.tables
    upgrade_database(empty_engine, "b4e1c0a7f2d9")
    output = '{"p_value": 0.030000000000000002, "lift": [-0.1, 1e-07], "z": 2.1701356}'
    data = '[{"name": "A", "visitors": 1000, "conversions": 31}, {"name": "B", "mean": 81.25}]'
    changes = '{"title": [null, "Tr\\u00e9s"], "b": [1, 2.5], "a": [true, false]}'
    now = utcnow()
    with empty_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO team (id, name, backlog_min, backlog_max, active_test_limit, "
                "score_formula, rice_enabled, allow_self_approval, created_at) "
                "VALUES (1, 'T', 10, 30, 3, 'mean', false, false, :now)"
            ),
            {"now": now},
        )
        conn.execute(
            text(
                "INSERT INTO hypothesis (id, team_id, title, change, audience, expected_effect, "
                "rationale, stage, lever, subject, channel, tags, links, impact, confidence, "
                "ease, status, created_at, updated_at, version) VALUES (1, 1, 'H', '', '', '', "
                "'', 'lead', 'offer', 'x', '', '', '', 5, 5, 5, 'backlog', :now, :now, 1)"
            ),
            {"now": now},
        )
        conn.execute(
            text(
                "INSERT INTO experiment (id, team_id, hypothesis_id, metric_name, metric_kind, "
                "mde_relative, alpha, power, status, created_at, updated_at, version) "
                "VALUES (1, 1, 1, '', 'conversion', true, 0.05, 0.8, 'design', :now, :now, 1)"
            ),
            {"now": now},
        )
        conn.execute(
            text(
                "INSERT INTO resultset (id, experiment_id, final, source, data, created_at) "
                "VALUES (1, 1, false, 'form', :data, :now)"
            ),
            {"data": data, "now": now},
        )
        conn.execute(
            text(
                "INSERT INTO analysis (id, experiment_id, result_set_id, engine_version, inputs, "
                "output, verdict, created_at) VALUES (1, 1, 1, '1', '{}', :output, 'v', :now)"
            ),
            {"output": output, "now": now},
        )
        conn.execute(
            text(
                "INSERT INTO auditentry (id, entity, action, changes, created_at) "
                "VALUES (1, 'hypothesis', 'hypothesis.edit', :changes, :now)"
            ),
            {"changes": changes, "now": now},
        )
    upgrade_database(empty_engine)
    assert _diff(empty_engine) == []
    with empty_engine.connect() as conn:
        row = conn.execute(tables["analysis"].select()).one()
        assert row.output == json.loads(output) and row.output["p_value"] == 0.030000000000000002
        assert row.inputs == {}
        assert conn.execute(tables["resultset"].select()).one().data == json.loads(data)
        entry = conn.execute(tables["auditentry"].select()).one().changes
        assert entry == json.loads(changes) and list(entry) == ["title", "b", "a"]
    downgrade_database(empty_engine, "b4e1c0a7f2d9")
    with empty_engine.connect() as conn:
        back = conn.execute(text("SELECT output, changes FROM analysis, auditentry")).one()
    assert json.loads(back[0]) == json.loads(output)
    assert json.loads(back[1]) == json.loads(changes)
    with empty_engine.connect() as conn:  # table recreates cascade-deleted nothing
        for table in ("hypothesis", "experiment", "resultset", "analysis", "auditentry"):
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 1
