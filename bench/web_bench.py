"""Benchmark: throughput of the backlog page against a bare Flask route, same server, same run.

    python bench/web_bench.py                      # demo team + 3,000 hypotheses, 15 s each
    python bench/web_bench.py --seconds 10 --hypotheses 2000
    python bench/web_bench.py --page /experiments/ # any signed-in page instead of the backlog

It builds a throwaway instance (SQLite) holding the demo team plus generated hypotheses (bulk
inserted), serves it with ``gunicorn -w 4`` on 127.0.0.1 together with a tiny separate Flask
app mounted at /bare (the bare route exists only here, never in the product), signs the
marketer in once, then drives 16 concurrent keep-alive clients (threads with http.client,
spread over a few processes so the client's GIL is not the limit) for a bounded time against
each URL in turn. It prints requests/s for the bare route and for the page twice: as it is
served (kept per database revision until the data changes, backlog/page_cache.py) and rendered
anew on every request (a second server with HYPOTHESES_PAGE_CACHE=false), with the ratios.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

HOST = "127.0.0.1"
WSGI = """
from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from hypotheses import create_app

product = create_app(instance_path={instance!r})
bare = Flask("bare")


@bare.route("/")
def hello():
    return "ok"


app = DispatcherMiddleware(product, {{"/bare": bare}})
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_gunicorn(
    tmp: str | Path, app: str, workers: int, env: dict[str, str]
) -> tuple[subprocess.Popen, int]:
    """Start gunicorn -w *workers* serving *app* (module:name) from the folder *tmp* on a free
    loopback port, with *env* and the repository on PYTHONPATH; return (server, port)."""
    port = free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "-w", str(workers), "-b", f"{HOST}:{port}", "--chdir", str(tmp)]
        + ["--log-level", "warning", app],
        env={**os.environ, **env, "PYTHONPATH": str(REPO)},
    )
    return server, port


def wait_until_serving(
    server: subprocess.Popen, ready: Callable[[], bool], pause: float = 0.3
) -> None:
    """Poll *ready* until it says True; stop the bench when gunicorn exits or 60 s pass."""
    deadline = time.monotonic() + 60
    while True:
        try:
            if ready():
                return
        except OSError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            raise SystemExit("gunicorn did not start")
        time.sleep(pause)


def build_instance(instance: Path, env: dict[str, str], hypotheses: int) -> None:
    """Create the schema, load the demo team and bulk insert generated hypotheses into it."""
    os.environ.update(env)
    from sqlalchemy import insert
    from sqlmodel import Session, func, select

    from hypotheses import create_app
    from hypotheses.db import get_engine
    from hypotheses.demo import load_demo
    from hypotheses.migrate import upgrade_database
    from hypotheses.models import Hypothesis, Membership, utcnow

    app = create_app(instance_path=instance)
    with app.app_context():
        engine = get_engine()
        upgrade_database(engine)
        with Session(engine, expire_on_commit=False) as session:
            team = load_demo(session, instance_path=instance)
            have = session.exec(
                select(func.count()).select_from(Hypothesis).where(Hypothesis.team_id == team.id)
            ).one()
            owners = list(
                session.exec(select(Membership.user_id).where(Membership.team_id == team.id)).all()
            )
            rng = random.Random(20260301)
            now = utcnow()
            # Mostly finished history, with a few hundred ideas in the active list.
            statuses = ["archived"] * 5 + ["rejected"] * 2 + ["decided"] * 2 + ["idea"]
            rows = [
                {
                    "team_id": team.id,
                    "title": f"Generated hypothesis {n}: {rng.choice(['price', 'copy', 'form'])}",
                    "change": "Change something visible for the audience " * 3,
                    "audience": "Visitors from paid search",
                    "expected_effect": "Lead rate +5%",
                    "rationale": "Seen in recordings and support chats " * 3,
                    "stage": rng.choice(
                        ["attention", "interest", "trust", "lead", "sale", "retention"]
                    ),
                    "lever": rng.choice(["traffic", "conversion", "aov", "repeat"]),
                    "subject": rng.choice(["creative", "offer", "landing page", "pricing"]),
                    "channel": "Website",
                    "owner_id": rng.choice(owners),
                    "tags": "generated, bench",
                    "links": "",
                    "impact": rng.randint(1, 10),
                    "confidence": rng.randint(1, 10),
                    "ease": rng.randint(1, 10),
                    "status": rng.choice(statuses),
                    "created_by_id": owners[0],
                    "created_at": now - timedelta(days=rng.randint(0, 700)),
                    "updated_at": now,
                    "version": 1,
                }
                for n in range(max(0, hypotheses - have))
            ]
            if rows:
                session.exec(insert(Hypothesis), params=rows)
            session.commit()
        engine.dispose()


def sign_in(port: int, email: str, password: str) -> str:
    """Sign in through the login form; return the Cookie header value."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", "/auth/login")
    response = conn.getresponse()
    body = response.read().decode()
    cookie = response.getheader("Set-Cookie", "").split(";")[0]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', body) or re.search(
        r'name="csrf_token" value="([^"]+)"', body
    )
    form = "&".join(
        f"{k}={v}"
        for k, v in {
            "csrf_token": token.group(1) if token else "",
            "email": email.replace("@", "%40"),
            "password": password,
        }.items()
    )
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request(
        "POST",
        "/auth/login",
        body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    response = conn.getresponse()
    response.read()
    if response.status != 302:
        raise SystemExit(f"sign-in failed: HTTP {response.status}")
    return response.getheader("Set-Cookie", "").split(";")[0]


def _client_process(port, path, cookie, threads, seconds, out) -> None:
    """Run *threads* keep-alive clients for *seconds*; put (ok, errors) on *out*."""
    deadline = time.monotonic() + seconds
    counts = [[0, 0] for _ in range(threads)]
    headers = {"Cookie": cookie} if cookie else {}

    def run(slot: list[int]) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        while time.monotonic() < deadline:
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                slot[0 if response.status == 200 else 1] += 1
            except (OSError, http.client.HTTPException):
                slot[1] += 1
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=30)
        conn.close()

    workers = [threading.Thread(target=run, args=(slot,)) for slot in counts]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    out.put((sum(c[0] for c in counts), sum(c[1] for c in counts)))


def drive(port: int, path: str, cookie: str, clients: int, procs: int, seconds: float) -> float:
    """Return successful requests per second of *clients* concurrent clients on *path*."""
    out: multiprocessing.Queue = multiprocessing.Queue()
    shares = [clients // procs + (1 if i < clients % procs else 0) for i in range(procs)]
    started = time.monotonic()
    children = [
        multiprocessing.Process(target=_client_process, args=(port, path, cookie, n, seconds, out))
        for n in shares
        if n
    ]
    for child in children:
        child.start()
    results = [out.get() for _ in children]
    for child in children:
        child.join()
    elapsed = time.monotonic() - started
    ok, errors = sum(r[0] for r in results), sum(r[1] for r in results)
    if errors:
        print(f"  {path}: {errors} failed requests", file=sys.stderr)
    return ok / elapsed


def fetch(port: int, path: str, cookie: str) -> tuple[int, bytes]:
    status, body, _cookie = fetch_keeping_cookie(port, path, cookie)
    return status, body


def fetch_keeping_cookie(port: int, path: str, cookie: str) -> tuple[int, bytes, str]:
    """GET *path*; return (status, body, the cookie a browser holds afterwards: the one the
    answer sets, else *cookie*)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", path, headers={"Cookie": cookie})
    response = conn.getresponse()
    kept = (response.getheader("Set-Cookie") or "").split(";")[0] or cookie
    return response.status, response.read(), kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hypotheses", type=int, default=3000, help="team size (default 3000)")
    parser.add_argument("--rows", type=int, default=30, help="rows per page (default 30)")
    parser.add_argument("--seconds", type=float, default=15, help="per URL (default 15)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--client-procs", type=int, default=2)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--page", default="/backlog/", help="signed-in page (default /backlog/)")
    parser.add_argument("--role", default="marketer", help="demo role that signs in")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="web-bench-") as tmp:
        instance = Path(tmp) / "instance"
        env = {
            "HYPOTHESES_PAGE_SIZE": str(args.rows),
            "DATABASE_URL": f"sqlite:///{Path(tmp) / 'bench.sqlite'}",
        }
        print(f">> building the instance ({args.hypotheses} hypotheses, {args.rows} per page)")
        started = time.monotonic()
        build_instance(instance, env, args.hypotheses)
        print(f"   built in {time.monotonic() - started:.1f} s")
        (Path(tmp) / "bench_wsgi.py").write_text(
            textwrap.dedent(WSGI.format(instance=str(instance)))
        )
        from hypotheses.demo import saved_logins

        login = {role: (email, pw) for role, email, pw in saved_logins(instance)}[args.role]
        print(f">> {args.clients} clients, gunicorn -w {args.workers}, {args.seconds:g} s per URL")
        with serving(tmp, {**env, "HYPOTHESES_PAGE_CACHE": "true"}, args.workers) as port:
            cookie = page_cookie(port, args.page, login)
            kept = measure(port, args.page, cookie, args)
            print(f"   {args.page:<14} {kept:8.1f} requests/s  (kept until the data changes)")
            bare = measure(port, "/bare/", "", args)
            print(f"   {'bare route':<14} {bare:8.1f} requests/s")
        with serving(tmp, {**env, "HYPOTHESES_PAGE_CACHE": "false"}, args.workers) as port:
            cookie = page_cookie(port, args.page, login)
            fresh = measure(port, args.page, cookie, args)
            print(f"   {args.page:<14} {fresh:8.1f} requests/s  (rendered anew every time)")
        print(f"   ratio page/bare {kept / bare:.3f}  (1/{bare / kept:.0f})")
        print(f"   ratio page rendered anew/bare {fresh / bare:.3f}  (1/{bare / fresh:.0f})")


@contextmanager
def serving(tmp: str, env: dict[str, str], workers: int):
    """Run gunicorn on the instance of *tmp* with *env*; yield its port."""
    server, port = start_gunicorn(tmp, "bench_wsgi:app", workers, env)
    try:
        wait_until_serving(server, lambda: fetch(port, "/bare/", "")[0] == 200, pause=0.2)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def page_cookie(port: int, page: str, login: tuple[str, str]) -> str:
    """Sign in and open *page* once; return the cookie a browser then holds."""
    cookie = sign_in(port, *login)
    # As a browser does, the clients send the cookie the first page answered with (the
    # session gains the team and the CSRF token there): the sign-in's own cookie would
    # make every request of the run write and sign a new session cookie.
    status, body, cookie = fetch_keeping_cookie(port, page, cookie)
    if status != 200:
        raise SystemExit(f"{page} answered HTTP {status}")
    rows = body.count(b'data-hypothesis-id="')
    print(f">> {page}: {len(body) / 1024:.0f} KB of HTML, {rows} hypothesis rows")
    return cookie


def measure(port: int, path: str, cookie: str, args) -> float:
    """Warm every worker up on *path*, then return its requests/s."""
    drive(port, path, cookie, args.clients, args.client_procs, 2)
    return drive(port, path, cookie, args.clients, args.client_procs, args.seconds)


if __name__ == "__main__":
    main()
