"""The backlog page is kept per database revision (hypotheses/revision.py, backlog/page_cache.py):
served again while nothing changed, never after a write, with each session's own CSRF token."""

from __future__ import annotations

import re
from datetime import timedelta

import conftest
import factories
import pytest
from sqlalchemy import event, text
from sqlmodel import Session

from hypotheses import create_app
from hypotheses.backlog import page_cache
from hypotheses.db import ENGINE_KEY
from hypotheses.models import Hypothesis, utcnow


def revision(db: Session) -> int:
    with db.get_bind().connect() as conn:
        return conn.execute(text("SELECT coalesce(max(revision), 0) FROM app_state")).scalar()


def without_tokens(response) -> str:
    """The page with its CSRF tokens blanked (a token is signed anew each second)."""
    return re.sub(r'name="csrf_token" value="[^"]*"', "", response.get_data(as_text=True))


@pytest.fixture
def statements(app):
    """The SQL statements the app's engine runs (a list, filled as requests run)."""
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        seen.append(statement)

    engine = app.extensions[ENGINE_KEY]
    event.listen(engine, "before_cursor_execute", note)
    yield seen
    event.remove(engine, "before_cursor_execute", note)


def test_a_committed_write_raises_the_revision_and_a_read_or_a_rollback_does_not(db, team):
    table = Hypothesis.__table__
    start = revision(db)
    hypothesis = factories.make_hypothesis(db, team=team)  # commits an INSERT
    assert revision(db) == start + 1
    db.exec(table.select()).all()
    db.commit()  # a transaction that only read
    assert revision(db) == start + 1
    db.execute(table.update().values(title="Rolled back"))
    db.rollback()
    assert revision(db) == start + 1
    db.execute(table.update().where(table.c.id == -1).values(title="No row"))
    db.commit()  # a write that changed no row
    assert revision(db) == start + 1
    db.execute(table.update().where(table.c.id == hypothesis.id).values(title="New"))
    db.commit()
    assert revision(db) == start + 2


def test_the_page_is_served_again_until_the_data_changes(client, auth, db, team, statements):
    hypothesis = factories.make_hypothesis(db, team=team, title="First title")
    auth.login("marketer")
    first = client.get("/backlog/")
    assert first.status_code == 200 and "First title" in first.get_data(as_text=True)
    statements.clear()
    again = client.get("/backlog/")
    assert without_tokens(again) == without_tokens(first)
    # Only the signed-in user (with the revision) is read: no list, no counts, no members.
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) == 1 and "app_state" in reads[0], reads

    # A write through another connection (another worker, the CLI) commits a new revision.
    db.execute(
        Hypothesis.__table__.update()
        .where(Hypothesis.id == hypothesis.id)
        .values(title="Second title", impact=9)
    )
    db.commit()
    page = client.get("/backlog/").get_data(as_text=True)
    assert "Second title" in page and "First title" not in page
    assert re.search(rf'id="ice-impact-{hypothesis.id}"[^>]*value="9"', page)


def test_each_reader_and_address_gets_its_own_page(client, auth, db, team, users):
    factories.make_hypothesis(db, team=team, title="Shared title")
    auth.login("marketer")
    marketer_page = client.get("/backlog/").get_data(as_text=True)
    assert 'id="ice-form-' in marketer_page  # a marketer may score
    auth.login("viewer")
    viewer_page = client.get("/backlog/").get_data(as_text=True)
    assert "Shared title" in viewer_page and 'id="ice-form-' not in viewer_page
    assert f'title="{users["viewer"].name} · Viewer"' in viewer_page  # the account menu
    filtered = client.get("/backlog/?q=nothing-matches").get_data(as_text=True)
    assert "Shared title" not in filtered and 'id="backlog-empty"' in filtered


def test_a_message_to_show_is_never_served_from_a_kept_page(client, auth, db, team):
    hypothesis = factories.make_hypothesis(db, team=team, status="backlog")
    auth.login("marketer")
    client.get("/backlog/")  # kept
    response = client.post(
        f"/backlog/{hypothesis.id}/score",
        data={"impact": "8", "confidence": "8", "ease": "8", "version": "1"},
        follow_redirects=True,
    )
    flashed = re.findall(r'<div class="alert[^"]*"[^>]*>([^<]+)</div>', response.get_data(True))
    assert flashed, "the score's confirmation is shown"
    later = client.get("/backlog/").get_data(as_text=True)
    assert flashed[0] not in later  # shown once, not kept with the page


@pytest.fixture
def csrf_app(tmp_path, _template_db):
    url = conftest.database_url(tmp_path, _template_db)
    app = create_app(conftest.test_config(url, WTF_CSRF_ENABLED=True), instance_path=tmp_path)
    yield app
    app.extensions[ENGINE_KEY].dispose()


def _signed_in(app, user):
    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    data = {"email": user.email, "password": conftest.PASSWORD, "csrf_token": token}
    assert client.post("/auth/login", data=data).status_code == 302
    return client


def test_a_kept_page_carries_each_sessions_own_csrf_token(csrf_app):
    with Session(csrf_app.extensions[ENGINE_KEY], expire_on_commit=False) as db:
        team = factories.make_team(db)
        marketer = factories.make_user(db, team=team, role="marketer")
        hypothesis = factories.make_hypothesis(db, team=team, status="backlog")
    first, second = _signed_in(csrf_app, marketer), _signed_in(csrf_app, marketer)
    first.get("/backlog/")  # rendered and kept with the first session's token
    page = second.get("/backlog/").get_data(as_text=True)  # the same page, kept
    tokens = set(re.findall(r'name="csrf_token"[^>]*value="([^"]+)"', page))
    assert len(tokens) == 1
    response = second.post(
        f"/backlog/{hypothesis.id}/score",
        data={"impact": "7", "confidence": "7", "ease": "7", "version": "1"}
        | {"csrf_token": tokens.pop()},
    )
    assert response.status_code == 302  # the second session's token is accepted


def test_a_page_is_kept_no_longer_than_its_first_age_in_days_reads_the_same(app, monkeypatch):
    now = utcnow()
    clock = [1000.0]
    monkeypatch.setattr(page_cache.time, "monotonic", lambda: clock[0])
    with app.test_request_context("/backlog/"):
        monkeypatch.setattr(page_cache, "generate_csrf", lambda: "token")
        key = (1, 1, 1, "lead", "en", "", "/backlog/", b"", 30)
        # One row turns a day older 90 s from now, the other in 20 s.
        created = [now - timedelta(days=2, seconds=-90), now - timedelta(days=1, seconds=-20)]
        page_cache.put(key, "<p>token</p>", now=now, created=created)
        assert page_cache.get(key) == b"<p>token</p>"
        clock[0] += 19
        assert page_cache.get(key) == b"<p>token</p>"
        clock[0] += 2
        assert page_cache.get(key) is None  # "1 day" would now read "2 days"
        page_cache.put(key, "<p>token</p>", now=now, created=[])
        clock[0] += page_cache.MAX_AGE + 1
        assert page_cache.get(key) is None  # at most a minute, whatever the rows
        page_cache.put(key, "<p>token</p>", now=now, created=[])
        assert page_cache.get((2, *key[1:])) is None  # another revision
