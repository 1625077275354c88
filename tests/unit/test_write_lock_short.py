"""Nothing slow runs while a request holds SQLite's write lock (issue 12, item 1).

Every password hash and check, every run of the statistics engine, every per-user file
reduction and every template rendering is instrumented: at that moment another connection
must be able to take the write lock at once (``BEGIN IMMEDIATE`` with no busy wait). A reader
is therefore served while a writer hashes, reduces a file or computes an analysis, and the
lock is held only for the database work of a use case.
"""

from __future__ import annotations

import hashlib
import io
import sqlite3

import experiment_factories as ef
import pytest
from argon2 import PasswordHasher
from conftest import PASSWORD
from flask import before_render_template
from sqlmodel import select
from werkzeug.datastructures import CombinedMultiDict, FileStorage, MultiDict
from werkzeug.test import encode_multipart

import stats
from hypotheses.db import ENGINE_KEY
from hypotheses.models import Analysis, Experiment, User

pytestmark = pytest.mark.skipif(
    bool(__import__("conftest").PG_URL), reason="SQLite's database-wide write lock"
)


class LockProbe:
    """Record, per kind of slow work, whether the write lock was free whenever it ran."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.free: dict[str, int] = {}
        self.held: list[str] = []

    def __call__(self, what: str) -> None:
        other = sqlite3.connect(self.path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # fails at once if anyone holds the lock
            other.execute("ROLLBACK")
            self.free[what] = self.free.get(what, 0) + 1
        except sqlite3.OperationalError:
            self.held.append(what)
        finally:
            other.close()

    def wrap(self, monkeypatch, owner, name: str, what: str) -> None:
        original = getattr(owner, name)

        def probed(*args, **kwargs):
            self(what)
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, name, probed)


@pytest.fixture
def probe(app, monkeypatch):
    found = LockProbe(app.extensions[ENGINE_KEY].url.database)
    found.wrap(monkeypatch, hashlib, "pbkdf2_hmac", "password hash")  # the tests' method
    found.wrap(monkeypatch, PasswordHasher, "hash", "password hash")  # production's argon2id
    found.wrap(monkeypatch, PasswordHasher, "verify", "password hash")
    found.wrap(monkeypatch, stats, "analyze", "statistics")
    found.wrap(monkeypatch, stats, "reduce_per_user_csv", "file reduction")

    def rendering(_app, **_extra):
        found("rendering")

    before_render_template.connect(rendering, app)
    yield found
    before_render_template.disconnect(rendering, app)


def _upload(client, path: str, content: bytes, **fields):
    file = FileStorage(io.BytesIO(content), filename="users.csv", content_type="text/csv")
    boundary, body = encode_multipart(
        CombinedMultiDict([MultiDict(fields), MultiDict({"file": file})])
    )
    return client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def test_no_hashing_statistics_file_reduction_or_rendering_under_the_write_lock(
    probe, client, db, team, users, auth
):
    hypothesis = ef.running(db, team=team, lead=users["lead"])
    exp_id = db.exec(select(Experiment.id).where(Experiment.hypothesis_id == hypothesis.id)).one()
    db.commit()

    # Sign-in (throttle count, password check), then the profile's password change.
    auth.login("marketer")
    changed = client.post(
        "/auth/profile",
        data={
            "current_password": PASSWORD,
            "new_password": PASSWORD + "x",
            "confirm": PASSWORD + "x",
        },
    )
    assert changed.status_code in (200, 302), changed.data[:300]
    # Typed-in results (analysed), then a per-user file (reduced, analysed).
    typed = client.post(
        f"/experiments/{exp_id}/results",
        data={
            "visitors_0": "1000",
            "conversions_0": "31",
            "visitors_1": "1000",
            "conversions_1": "45",
        },
    )
    assert typed.status_code == 302, typed.data[:500]
    rows = "".join(f"u{i},{'Control' if i % 2 else 'B'},{i % 7 == 0:d}\n" for i in range(2000))
    uploaded = _upload(
        client,
        f"/experiments/{exp_id}/results/per-user",
        f"user_id,variant,converted\n{rows}".encode(),
    )
    assert uploaded.status_code == 302, uploaded.data[:500]
    # The lead finishes the test below its plan (the final analysis), then an analysis made
    # by an older engine is re-run.
    auth.login("lead")
    finished = client.post(
        f"/experiments/{exp_id}/finish",
        data={"reason": "The season ended.", "confirm": "y"},
    )
    assert finished.status_code == 302, finished.data[:500]
    raw = sqlite3.connect(probe.path)  # not the fixture's session: it would hold the lock
    with raw:
        newest_id = raw.execute("SELECT max(id) FROM analysis").fetchone()[0]
        raw.execute("UPDATE analysis SET engine_version = '1.9.0' WHERE id = ?", (newest_id,))
    raw.close()
    before = probe.free.get("statistics", 0)
    rerun = client.post(f"/experiments/{exp_id}/analyses/{newest_id}/rerun")
    assert rerun.status_code == 302, rerun.data[:500]
    assert probe.free.get("statistics", 0) > before
    # An admin creates a user (the initial password is hashed).
    auth.login("admin")
    created = client.post(
        "/admin/users/new",
        data={
            "name": "New Person",
            "email": "new.person@example.com",
            "password": "a long passphrase 42",
            "team": str(team.id),
            "role": "viewer",
        },
    )
    assert created.status_code == 302, created.data[:500]
    assert client.get(f"/experiments/{exp_id}").status_code in (200, 302)

    db.expire_all()
    assert db.exec(select(User).where(User.email == "new.person@example.com")).first()
    assert db.exec(select(Analysis)).first() is not None
    assert probe.held == [], f"slow work ran under the write lock: {probe.held}"
    for what in ("password hash", "statistics", "file reduction", "rendering"):
        assert probe.free.get(what), f"{what} was never exercised"
