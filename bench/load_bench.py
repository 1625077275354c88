"""Load benchmark: a mixed 70 % read / 30 % write load on gunicorn -w 4, SQLite and PostgreSQL.

    .venv/bin/python bench/load_bench.py                       # SQLite and PostgreSQL, 16 and 64
    .venv/bin/python bench/load_bench.py --db sqlite --clients 16 --seconds 20
    .venv/bin/python bench/load_bench.py --db postgresql --pg-url postgresql+psycopg://...

Everything runs on 127.0.0.1 and is bounded in time. For each database it builds a throwaway
instance (the demo team plus generated hypotheses; PostgreSQL: a throwaway server started as
scripts/pg_test_server.sh does, in its own directory, or the database at --pg-url, which is
emptied), serves it with ``gunicorn -w 4`` and drives N keep-alive clients (threads spread
over a few processes) for a fixed time. The marketer is signed in; API calls use a token.

Reads (70 %): the backlog page, a hypothesis page, a test page, the API's hypothesis list and
one hypothesis. Writes (30 %): create a hypothesis by form and by API, edit one by form and
by API, score one (the backlog's inline ICE form). Each client edits and scores its own
hypothesis with the version it holds, so no write loses a race on purpose.

Printed per run: requests/s, p50/p95/p99 latency (all, reads, writes), responses by status,
and acknowledged writes against rows found afterwards: created rows carry the run's name in
their title; every acknowledged edit or score adds one to its hypothesis's version.
Goals (issue 12): 16 clients on SQLite p95 <= 250 ms and >= 95 requests/s; 0 lost writes;
0 x 5xx.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from web_bench import HOST, build_instance, free_port, sign_in  # noqa: E402

WSGI = """
from hypotheses import create_app

app = create_app(instance_path={instance!r})
"""
OWN = 64  # hypotheses edited by the clients, one each (the most clients in a run)
READS = [("backlog", 30), ("hypothesis page", 15), ("test page", 10), ("api list", 10)]
READS += [("api one", 5)]
WRITES = [("form create", 7), ("form edit", 7), ("form score", 6), ("api create", 5)]
WRITES += [("api edit", 5)]
KIND = {name: "read" for name, _w in READS} | {name: "write" for name, _w in WRITES}


# ---------------------------------------------------------------- instance and servers


def prepare(instance: Path, env: dict[str, str], hypotheses: int) -> dict:
    """Build the instance; add the clients' own hypotheses and an API token. Returns ids."""
    build_instance(instance, env, hypotheses)
    from sqlmodel import Session, select

    from hypotheses import create_app
    from hypotheses.db import get_engine
    from hypotheses.domain.accounts import tokens
    from hypotheses.models import Experiment, Hypothesis, Membership, Team, User

    app = create_app(instance_path=instance)
    with app.app_context():
        engine = get_engine()
        with Session(engine, expire_on_commit=False) as session:
            team = session.exec(select(Team)).first()
            marketer = session.exec(
                select(User)
                .join(Membership, Membership.user_id == User.id)
                .where(Membership.team_id == team.id, Membership.role == "marketer")
            ).first()
            own = []
            for i in range(OWN):
                row = Hypothesis(
                    team_id=team.id,
                    title=f"bench own {i}",
                    stage="lead",
                    lever="conversion",
                    subject="offer",
                    owner_id=marketer.id,
                    created_by_id=marketer.id,
                    status="idea",
                )
                session.add(row)
                own.append(row)
            session.commit()
            _token, plain = tokens.create_token(session, user=marketer, team=team, name="bench")
            tests = session.exec(select(Experiment.id).join(Hypothesis)).all()
            ids = {
                "own": [h.id for h in own],
                "token": plain,
                "tests": list(tests)[:20],
                "email": marketer.email,
            }
        engine.dispose()
    return ids


def versions(url: str, ids: list[int]) -> dict[int, int]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, version FROM hypothesis")).all()
    engine.dispose()
    wanted = set(ids)
    return {i: v for i, v in rows if i in wanted}


def count_titles(url: str, prefix: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT count(*) FROM hypothesis WHERE title LIKE :p"), {"p": prefix + "%"}
        ).scalar_one()
    engine.dispose()
    return int(found)


class Postgres:
    """A throwaway PostgreSQL server in a temporary directory (loopback only, trust auth)."""

    def __init__(self, base: Path) -> None:
        servers = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"))
        if not servers:
            raise SystemExit(
                "no PostgreSQL server under /usr/lib/postgresql (scripts/ensure_test_deps.sh)"
            )
        self.bindir = servers[-1].parent
        self.base, self.data, self.port = base, base / "data", free_port()
        self.root = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        command = [str(a) for a in args]
        if self.root:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, cwd="/", stdout=subprocess.DEVNULL)

    def start(self) -> str:
        self.base.mkdir(parents=True)
        if self.root:
            shutil.chown(self.base, "postgres", "postgres")
        self._run(self.bindir / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust")
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(
                f"\nlisten_addresses = '127.0.0.1'\nport = {self.port}\n"
                f"unix_socket_directories = '{self.base}'\nmax_connections = 200\n"
            )
        self._run(self.bindir / "pg_ctl", "-D", self.data, "-l", self.base / "log", "-w", "start")
        self._run(self.bindir / "createdb", "-h", HOST, "-p", self.port, "-U", "postgres", "bench")
        return f"postgresql+psycopg://postgres@{HOST}:{self.port}/bench"

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(self.bindir / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")


def empty_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


# ---------------------------------------------------------------- the clients


class Client:
    """One keep-alive client: its own RNG, its own hypothesis and the version it holds."""

    def __init__(self, port: int, setup: dict, index: int, run: str) -> None:
        self.port, self.setup, self.index, self.run = port, setup, index, run
        self.rng = random.Random(index * 7919 + len(run))
        self.own = setup["own"][index]
        self.version = setup["versions"][self.own]
        self.impact = 0  # unknown until this client first sets it (then it always changes)
        self.step = 0
        self.conn = http.client.HTTPConnection(HOST, port, timeout=60)
        self.names = [n for n, _w in READS + WRITES]
        self.weights = [w for _n, w in READS + WRITES]

    def request(self, method: str, path: str, body=None, headers=None):
        headers = dict(headers or {})
        if path.startswith("/api/"):
            headers["Authorization"] = "Bearer " + self.setup["token"]
        else:
            headers["Cookie"] = self.setup["cookie"]
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
            return response.status, data
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
            return 0, b""

    def form(self, path: str, fields: dict):
        fields = {"csrf_token": self.setup["csrf"], **fields}
        body = urllib.parse.urlencode(fields)
        return self.request(
            "POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"}
        )

    def api(self, method: str, path: str, payload: dict):
        return self.request(method, path, json.dumps(payload), {"Content-Type": "application/json"})

    def hypothesis_fields(self, title: str) -> dict:
        return {
            "title": title,
            "change": "Shorter form",
            "audience": "Mobile visitors",
            "expected_effect": "+5% leads",
            "rationale": "Fewer fields",
            "stage": "lead",
            "lever": "conversion",
            "subject": "offer",
            "channel": "Website",
            "owner_id": "",
            "tags": "bench",
            "links": "",
            "impact": "5",
            "confidence": "5",
            "ease": "5",
        }

    def one(self, name: str) -> tuple[int, bool]:
        """Do one operation; return (status, acknowledged write)."""
        self.step += 1
        tag = f"{self.run} c{self.index} n{self.step}"
        if name == "backlog":
            return self.request("GET", "/backlog/")[0], False
        if name == "hypothesis page":
            return self.request("GET", f"/backlog/{self.rng.choice(self.setup['own'])}")[0], False
        if name == "test page":
            tests = self.setup["tests"] or [0]
            return self.request("GET", f"/experiments/{self.rng.choice(tests)}")[0], False
        if name == "api list":
            return self.request("GET", "/api/v1/hypotheses?per_page=20")[0], False
        if name == "api one":
            return self.request("GET", f"/api/v1/hypotheses/{self.own}")[0], False
        if name == "form create":
            status, _ = self.form("/backlog/new", self.hypothesis_fields(f"{tag} form"))
            return status, status == 302
        if name == "api create":
            payload = {"title": f"{tag} api", "stage": "lead", "lever": "conversion"}
            status, _ = self.api("POST", "/api/v1/hypotheses", {**payload, "subject": "offer"})
            return status, status == 201
        if name == "form edit":
            fields = self.hypothesis_fields(f"bench own {self.index} {tag}")
            status, _ = self.form(f"/backlog/{self.own}/edit", {**fields, "version": self.version})
            if status == 302:
                self.impact = int(fields["impact"])
            return status, self._edited(status == 302)
        if name == "form score":
            # a score that changes nothing adds no version: always move Impact one step
            impact = self.impact % 10 + 1
            fields = {"impact": impact, "confidence": 6, "ease": 7}
            status, _ = self.form(f"/backlog/{self.own}/score", {**fields, "version": self.version})
            if status == 302:
                self.impact = impact
            return status, self._edited(status == 302)
        payload = {"version": self.version, "title": f"bench own {self.index} {tag} api"}
        status, _ = self.api("PATCH", f"/api/v1/hypotheses/{self.own}", payload)
        return status, self._edited(status == 200)

    def _edited(self, ok: bool) -> bool:
        if ok:
            self.version += 1
        return ok


def _client_process(port, setup, indexes, run, seconds, out) -> None:
    deadline = time.monotonic() + seconds
    results: list = []

    def drive(index: int) -> None:
        client = Client(port, setup, index, run)
        mine = {"lat": [], "status": Counter(), "acked": Counter(), "edits": 0}
        while time.monotonic() < deadline:
            name = client.rng.choices(client.names, client.weights)[0]
            started = time.perf_counter()
            status, acked = client.one(name)
            mine["lat"].append((KIND[name], time.perf_counter() - started))
            mine["status"][status] += 1
            if acked:
                mine["acked"][name] += 1
        mine["edits"] = (client.own, client.version - setup["versions"][client.own])
        results.append(mine)

    threads = [threading.Thread(target=drive, args=(i,)) for i in indexes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out.put(results)


def drive(port: int, setup: dict, clients: int, seconds: float, run: str) -> tuple[list, float]:
    procs = min(4, clients)
    out: multiprocessing.Queue = multiprocessing.Queue()
    shares = [list(range(clients))[p::procs] for p in range(procs)]
    started = time.monotonic()
    children = [
        multiprocessing.Process(target=_client_process, args=(port, setup, s, run, seconds, out))
        for s in shares
    ]
    for child in children:
        child.start()
    results = [r for _ in children for r in out.get()]
    for child in children:
        child.join()
    return results, time.monotonic() - started


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report(results: list, elapsed: float, url: str, run: str, before: dict[int, int]) -> dict:
    latencies = [x for r in results for x in r["lat"]]
    statuses = sum((r["status"] for r in results), Counter())
    acked = sum((r["acked"] for r in results), Counter())
    total = len(latencies)
    line = {"requests/s": round(total / elapsed, 1), "requests": total}
    for kind in ("all", "read", "write"):
        values = [t for k, t in latencies if kind in ("all", k)]
        line[kind] = [round(percentile(values, q)) for q in (0.5, 0.95, 0.99)]
    created_acked = acked["form create"] + acked["api create"]
    created_found = count_titles(url, run + " ")
    after = versions(url, list(before))
    edits_acked = sum(r["edits"][1] for r in results)
    edits_found = sum(after[own] - before[own] for own, _n in (r["edits"] for r in results))
    server_errors = sum(n for status, n in statuses.items() if status >= 500 or status == 0)
    print(f"   {line['requests/s']:8.1f} requests/s ({total} requests in {elapsed:.1f} s)")
    for kind in ("all", "read", "write"):
        p50, p95, p99 = line[kind]
        print(f"   {kind:<6} p50 {p50:5d} ms   p95 {p95:5d} ms   p99 {p99:5d} ms")
    print(f"   statuses {dict(sorted(statuses.items()))}  (0 = connection error)")
    print(f"   creates: {created_acked} acknowledged, {created_found} rows found")
    print(f"   edits:   {edits_acked} acknowledged, {edits_found} versions added")
    lost = max(0, created_acked - created_found) + max(0, edits_acked - edits_found)
    print(f"   lost writes: {lost}   5xx or dropped: {server_errors}")
    return line | {"lost": lost, "errors": server_errors, "statuses": dict(statuses)}


# ---------------------------------------------------------------- main


def wait_for(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", "/auth/login")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            raise SystemExit("gunicorn did not start")
        time.sleep(0.3)


def csrf_token(port: int, cookie: str) -> tuple[str, str]:
    """Return (cookie, token): the session cookie that holds the form token, and the token."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", "/backlog/new", headers={"Cookie": cookie})
    response = conn.getresponse()
    cookie = (response.getheader("Set-Cookie") or cookie).split(";")[0]
    body = response.read().decode()
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', body) or re.search(
        r'name="csrf_token" value="([^"]+)"', body
    )
    if not found:
        raise SystemExit("no CSRF token on /backlog/new")
    return cookie, found.group(1)


def bench_database(db: str, args, tmp: Path) -> list[dict]:
    instance = tmp / f"instance-{db}"
    postgres = None
    if db == "sqlite":
        url = f"sqlite:///{tmp / 'bench.sqlite'}"
    elif args.pg_url:
        url = args.pg_url
        empty_postgres(url)
    else:
        postgres = Postgres(tmp / "pg")
        url = postgres.start()
    env = {"DATABASE_URL": url}
    rows = []
    try:
        print(f">> {db}: building the instance ({args.hypotheses} hypotheses)")
        setup = prepare(instance, env, args.hypotheses)
        (tmp / "load_wsgi.py").write_text(textwrap.dedent(WSGI.format(instance=str(instance))))
        port = free_port()
        gunicorn = Path(sys.executable).with_name("gunicorn")
        server = subprocess.Popen(
            [str(gunicorn), "-w", str(args.workers), "-b", f"{HOST}:{port}", "--chdir", str(tmp)]
            + ["--log-level", "warning", "load_wsgi:app"],
            env={**os.environ, **env, "PYTHONPATH": str(REPO)},
        )
        try:
            wait_for(port, server)
            from hypotheses.demo import saved_logins

            password = {email: pw for _role, email, pw in saved_logins(instance)}
            setup["cookie"] = sign_in(port, setup["email"], password[setup["email"]])
            setup["cookie"], setup["csrf"] = csrf_token(port, setup["cookie"])
            for clients in args.clients:
                run = f"bench r{clients}x{int(time.time())}"
                setup["versions"] = versions(url, setup["own"])
                drive(port, setup, min(clients, 8), 2, run + "warm")  # warm every worker up
                setup["versions"] = versions(url, setup["own"])
                print(f">> {db}: {clients} clients, gunicorn -w {args.workers}, {args.seconds:g} s")
                results, elapsed = drive(port, setup, clients, args.seconds, run)
                line = report(results, elapsed, url, run, setup["versions"])
                rows.append({"db": db, "clients": clients} | line)
        finally:
            server.terminate()
            server.wait(timeout=60)
    finally:
        if postgres is not None:
            postgres.stop()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg-url", help="use this PostgreSQL database (emptied!) instead")
    parser.add_argument("--clients", type=int, nargs="+", default=[16, 64])
    parser.add_argument("--seconds", type=float, default=20, help="per run (default 20)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--hypotheses", type=int, default=1000, help="team size (default 1000)")
    args = parser.parse_args()
    databases = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    rows = []
    for db in databases:
        with tempfile.TemporaryDirectory(prefix=f"load-bench-{db}-") as tmp:
            os.chmod(tmp, 0o755)  # the PostgreSQL server (another OS user) lives inside
            rows += bench_database(db, args, Path(tmp))
    print("\n>> summary (p50/p95/p99 in ms)")
    for row in rows:
        p50, p95, p99 = row["all"]
        print(
            f"   {row['db']:<10} {row['clients']:3d} clients  {row['requests/s']:7.1f} req/s"
            f"  {p50}/{p95}/{p99}  reads p95 {row['read'][1]}  writes p95 {row['write'][1]}"
            f"  lost {row['lost']}  5xx {row['errors']}"
        )


if __name__ == "__main__":
    main()
