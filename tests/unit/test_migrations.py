"""Alembic: the migrations build exactly the models' schema, keep the constraints,
and round-trip."""

from __future__ import annotations

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
