"""Read requests on SQLite begin deferred transactions; writes still take the lock at BEGIN.

A GET page neither waits for nor holds the database's write lock, so reads run beside each
other and beside a writer (WAL). A write inside a read request takes the lock before it
writes, so it queues behind other writers instead of failing on a stale snapshot.
"""

from __future__ import annotations

import sqlite3
import time

import pytest
from sqlalchemy import event
from sqlmodel import select

from hypotheses.db import ENGINE_KEY, RequestSession, get_session
from hypotheses.models import Team

pytestmark = pytest.mark.skipif(
    bool(__import__("conftest").PG_URL), reason="SQLite transaction modes"
)


def _statements(app) -> list[str]:
    seen: list[str] = []
    event.listen(
        app.extensions[ENGINE_KEY],
        "before_cursor_execute",
        lambda _c, _cur, statement, *_a: seen.append(statement),
    )
    return seen


def _sqlite_path(app) -> str:
    return app.extensions[ENGINE_KEY].url.database


def test_get_pages_begin_deferred_and_posts_immediate(app, client, auth):
    seen = _statements(app)
    auth.login("marketer")  # a POST
    assert "BEGIN IMMEDIATE" in seen
    seen.clear()
    assert client.get("/backlog/").status_code == 200
    assert seen[0] == "BEGIN" and "BEGIN IMMEDIATE" not in seen


def test_a_page_answers_while_another_process_holds_the_write_lock(app, client, auth):
    auth.login("viewer")
    writer = sqlite3.connect(_sqlite_path(app), isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        for path in ("/backlog/", "/", "/experiments/", "/learnings/"):
            assert client.get(path).status_code == 200, path
        assert time.monotonic() - started < 5  # busy_timeout is 10 s: no page waited for it
    finally:
        writer.rollback()
        writer.close()


def test_a_write_inside_a_read_request_takes_the_lock_first(app, db, team):
    seen = _statements(app)
    with app.test_request_context("/anything", method="GET"):
        session = get_session()
        assert isinstance(session, RequestSession)
        row = session.exec(select(Team).where(Team.id == team.id)).one()  # reads: deferred
        # Another connection writes after this read began: a plain deferred upgrade would now
        # fail with "database is locked" (stale snapshot) instead of waiting.
        other = sqlite3.connect(_sqlite_path(app), isolation_level=None)
        other.execute("UPDATE team SET name = name || ' 2' WHERE id = ?", (team.id,))
        other.close()
        row.backlog_max = 77
        session.add(row)
        session.commit()
    assert seen[:1] == ["BEGIN"] and "COMMIT" in seen and "BEGIN IMMEDIATE" in seen
    db.expire_all()
    assert db.get(Team, team.id).backlog_max == 77
