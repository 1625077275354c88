"""A database that turns read-only says so, and the app recovers once it is writable again."""

from __future__ import annotations

import pytest
from sqlmodel import select

from hypotheses.db import ENGINE_KEY
from hypotheses.models import Hypothesis

NEW = {
    "title": "Shorter form",
    "change": "Drop two fields",
    "audience": "All visitors",
    "expected_effect": "+10% leads",
    "rationale": "Less friction",
    "stage": "lead",
    "lever": "conversion",
    "subject": "landing page",
    "channel": "Website",
    "owner_id": "",
    "tags": "form",
    "links": "",
    "impact": "6",
    "confidence": "5",
    "ease": "7",
}


def make_pool_read_only(app):
    """Every pooled connection refuses writes, as one opened on a read-only file does."""
    engine = app.extensions[ENGINE_KEY]
    engine.dispose()
    connections = [engine.raw_connection() for _ in range(3)]
    for connection in connections:
        connection.driver_connection.execute("PRAGMA query_only = 1")
    for connection in connections:
        connection.close()  # back to the pool, still read-only


def test_read_only_database_says_so_and_recovers(app, client, auth, db):
    if app.extensions[ENGINE_KEY].dialect.name != "sqlite":
        pytest.skip("query_only is SQLite's; PostgreSQL's read-only error is matched below")
    auth.login("marketer")
    make_pool_read_only(app)
    page = client.get("/backlog/")
    assert page.status_code == 200  # reading works
    refused = client.post("/backlog/new", data=NEW)
    assert refused.status_code == 503
    text = refused.get_data(as_text=True)
    assert "read-only" in text and "busy" not in text.lower()
    # The file is writable again (fresh connections are): the next write succeeds.
    created = client.post("/backlog/new", data=NEW)
    assert created.status_code in (302, 303), created.get_data(as_text=True)[:500]
    db.rollback()
    assert db.exec(select(Hypothesis).where(Hypothesis.title == "Shorter form")).first()


def test_read_only_errors_are_told_from_busy_ones():
    from sqlalchemy.exc import OperationalError

    from hypotheses.web import is_read_only_error

    sqlite = OperationalError("INSERT", {}, Exception("attempt to write a readonly database"))
    postgres = OperationalError(
        "INSERT", {}, Exception("cannot execute INSERT in a read-only transaction")
    )
    busy = OperationalError("INSERT", {}, Exception("database is locked"))
    assert is_read_only_error(sqlite) and is_read_only_error(postgres)
    assert not is_read_only_error(busy)
