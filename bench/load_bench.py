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
import os
import re
import sys
import tempfile
import textwrap
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from load_clients import drive  # noqa: E402
from load_db import Postgres, count_titles, empty_postgres, prepare, versions  # noqa: E402
from web_bench import HOST, sign_in, start_gunicorn, wait_until_serving  # noqa: E402

WSGI = """
from hypotheses import create_app

app = create_app(instance_path={instance!r})
"""


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


def login_page_answers(port: int) -> bool:
    conn = http.client.HTTPConnection(HOST, port, timeout=5)
    conn.request("GET", "/auth/login")
    return conn.getresponse().status == 200


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
        server, port = start_gunicorn(tmp, "load_wsgi:app", args.workers, env)
        try:
            wait_until_serving(server, lambda: login_page_answers(port))
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
