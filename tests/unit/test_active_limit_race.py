"""The active-test limit under real concurrency (RELIABILITY.md finding 3, T14).

Four server processes (each its own app, engine and connection pool, like gunicorn -w 4)
share the test database (the SQLite file, or PostgreSQL when HYPOTHESES_TEST_DATABASE_URL is
set). Twenty clients, released together by a barrier, each POST "start" for a different
approved hypothesis. The servers widen the race window on purpose: every start sleeps 50 ms
between counting the running tests and writing its own. The limit must still hold exactly:
`limit` starts succeed, the others get 409, and nothing answers 5xx.

A control runs a deliberately naive count-then-update (no lock, no slot) through the same
barrier and shows that this harness does catch a broken limit.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import select as io_select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import conftest
import experiment_factories as ef
import pytest
from sqlalchemy import create_engine, text
from sqlmodel import Session, col, select, update

from hypotheses.db import ENGINE_KEY
from hypotheses.models import Experiment, Hypothesis, Team

CLIENTS, SERVERS, THINK = 20, 4, 0.05
ROOT = Path(__file__).resolve().parents[2]
SERVER = r"""
import json, os, sys, threading, time
config = json.loads(sys.argv[1])

def exit_with_the_test():  # stdin closes when the test ends or dies: never outlive it
    sys.stdin.read()
    os._exit(0)

sys.path[:0] = config["path"]
from werkzeug.serving import make_server
from hypotheses import create_app
from hypotheses.domain.experiments import lifecycle as experiments

original = experiments.record_experiment

def slow_record(*args, **kwargs):  # between the count and the write of "start"
    if kwargs.get("action") == "experiment.start":
        time.sleep(config["think"])
    return original(*args, **kwargs)

experiments.record_experiment = slow_record
# Import once, then fork: each process gets its own app, engine and pool (created after the fork).
for _ in range(config["servers"] - 1):
    if os.fork() == 0:
        break
threading.Thread(target=exit_with_the_test, daemon=True).start()
app = create_app(config["app"], instance_path=config["instance"])
server = make_server("127.0.0.1", 0, app, threaded=True)
os.write(1, f"{server.server_port}\n".encode())  # one write: atomic on a shared pipe
server.serve_forever()
"""


def fire(count: int, job) -> list:
    """Run job(i) in *count* threads released at the same moment; return the results in order."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i: int) -> None:
        prepared = job.prepare(i) if hasattr(job, "prepare") else None
        barrier.wait()
        try:
            results[i] = job(i, prepared)
        except Exception as error:  # noqa: BLE001  (reported, and fails the test)
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


@pytest.fixture
def servers(app, tmp_path):
    """Start SERVERS app processes on the test database; yield their ports."""
    config = {
        "app": conftest.test_config(app.config["DATABASE_URL"]),
        "instance": str(tmp_path / "inst"),
        "path": [str(ROOT), str(ROOT / "tests")],
        "think": THINK,
        "servers": SERVERS,
    }
    log_path = tmp_path / "servers.log"  # a file, not a pipe: a full pipe would block the servers
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-c", SERVER, json.dumps(config)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            start_new_session=True,
        )
    try:
        ports, data = _read_ports(proc, SERVERS, timeout=90)
        if ports is None:
            _stop(proc)
            pytest.fail(
                f"the servers did not start (stdout {data[-500:]!r}):\n"
                + log_path.read_text()[-3000:]
            )
        yield ports
    finally:
        _stop(proc)


def _read_ports(
    proc: subprocess.Popen, count: int, *, timeout: float
) -> tuple[list[int] | None, bytes]:
    """Read one port per server from their stdout, giving up after *timeout* seconds."""
    fd, data = proc.stdout.fileno(), b""
    deadline = time.monotonic() + timeout
    while data.count(b"\n") < count:
        left = deadline - time.monotonic()
        if left <= 0 or not io_select.select([fd], [], [], left)[0]:
            return None, data
        chunk = os.read(fd, 4096)
        if not chunk:
            return None, data
        data += chunk
    lines = data.split(b"\n")[:count]
    if not all(line.strip().isdigit() for line in lines) or len(set(lines)) != count:
        return None, data
    return [int(line) for line in lines], data


def _stop(proc: subprocess.Popen) -> None:
    """End the server and every process it forked (they also exit when stdin closes)."""
    if proc.stdin and not proc.stdin.closed:
        proc.stdin.close()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        pass
    with contextlib.suppress(ProcessLookupError):  # stragglers of the group
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(10)
    proc.stdout.close()


def _login(port: int, user) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(
        "POST",
        "/auth/login",
        body=urlencode({"email": user.email, "password": conftest.PASSWORD}),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    response = conn.getresponse()
    response.read()
    assert response.status == 302
    cookie = response.getheader("Set-Cookie").split(";")[0]
    conn.close()
    return cookie


class StartRequest:
    """POST /experiments/<id>/start for the i-th test, on server i mod SERVERS."""

    def __init__(self, ports: list[int], cookie: str, ids: list[int]) -> None:
        self.ports, self.cookie, self.ids = ports, cookie, ids

    def prepare(self, i: int) -> http.client.HTTPConnection:
        conn = http.client.HTTPConnection("127.0.0.1", self.ports[i % len(self.ports)], timeout=60)
        conn.connect()  # connect before the barrier: the requests then leave together
        return conn

    def __call__(self, i: int, conn: http.client.HTTPConnection) -> int:
        conn.request(
            "POST",
            f"/experiments/{self.ids[i]}/start",
            body="",
            headers={"Cookie": self.cookie, "Content-Type": "application/x-www-form-urlencoded"},
        )
        response = conn.getresponse()
        body = response.read().decode()
        conn.close()
        if response.status == 409:
            assert "(the limit)" in body
        return response.status


def _reset(db: Session, team: Team, limit: int) -> None:
    """Put every test back to 'designed' and set the team's limit."""
    db.exec(update(Experiment).values(status="design", slot=None, started_at=None))
    db.exec(update(Hypothesis).where(col(Hypothesis.status) == "running").values(status="approved"))
    db.exec(update(Team).where(col(Team.id) == team.id).values(active_test_limit=limit))
    db.commit()


def _running(db: Session) -> list[tuple[int | None, str]]:
    rows = db.exec(
        select(Experiment.slot, Experiment.status).where(Experiment.status == "running")
    ).all()
    db.commit()
    return list(rows)


@pytest.mark.slow
def test_twenty_simultaneous_starts_never_exceed_the_limit(app, db, team, users, servers):
    ids = []
    for i in range(CLIENTS):
        hypothesis = ef.designed(db, team=team, actor=users["lead"], title=f"Race {i:02d}")
        ids.append(
            db.exec(select(Experiment.id).where(Experiment.hypothesis_id == hypothesis.id)).one()
        )
    db.commit()
    cookie = _login(servers[0], users["lead"])
    started = time.monotonic()
    for limit in (3, 1, 2):
        _reset(db, team, limit)
        statuses = fire(CLIENTS, StartRequest(servers, cookie, ids))
        assert all(isinstance(s, int) for s in statuses), statuses
        assert statuses.count(302) == limit and statuses.count(409) == CLIENTS - limit, statuses
        running = _running(db)
        assert len(running) == limit
        assert sorted(slot for slot, _s in running) == list(range(1, limit + 1))
        hypotheses_running = db.exec(
            select(Hypothesis.id).where(Hypothesis.status == "running")
        ).all()
        db.commit()
        assert len(hypotheses_running) == limit  # statuses moved together, in one transaction
    assert time.monotonic() - started < 20


def _naive_start(url: str, team_id: int, experiment_id: int, limit: int) -> None:
    """Count, think, then write: the broken check-then-act the real start must not be."""
    engine = create_engine(url)  # no BEGIN IMMEDIATE, no row lock, no slot
    try:
        with engine.connect() as conn:
            running = conn.execute(
                text("SELECT count(*) FROM experiment WHERE team_id = :t AND status = 'running'"),
                {"t": team_id},
            ).scalar_one()
            conn.commit()
            time.sleep(THINK)
            if running < limit:
                conn.execute(
                    text("UPDATE experiment SET status = 'running' WHERE id = :e"),
                    {"e": experiment_id},
                )
                conn.commit()
    finally:
        engine.dispose()


class NaiveStart:
    def __init__(self, url: str, team_id: int, ids: list[int]) -> None:
        self.url, self.team_id, self.ids = url, team_id, ids

    def __call__(self, i: int, _prepared) -> None:
        _naive_start(self.url, self.team_id, self.ids[i], 3)


@pytest.mark.slow
def test_control_naive_check_then_act_exceeds_the_limit(app, db, team, users):
    """The same barrier breaks a naive limit, so the test above can fail."""
    ids = []
    for i in range(CLIENTS):
        hypothesis = ef.designed(db, team=team, actor=users["lead"], title=f"Naive {i:02d}")
        ids.append(
            db.exec(select(Experiment.id).where(Experiment.hypothesis_id == hypothesis.id)).one()
        )
    db.commit()
    app.extensions[ENGINE_KEY].dispose()
    worst = 0
    for _trial in range(3):
        _reset(db, team, 3)
        errors = [
            r for r in fire(CLIENTS, NaiveStart(app.config["DATABASE_URL"], team.id, ids)) if r
        ]
        assert not errors, errors
        worst = max(worst, len(_running(db)))
        if worst > 3:
            break
    assert worst > 3, "the naive check-then-act should have broken the limit"
