"""Per-user results uploads through the shipped server: how long a file of a given size takes.

    .venv/bin/python bench/upload_bench.py --sizes 100M 1G 2G      # generated files
    .venv/bin/python bench/upload_bench.py --files a.csv b.csv      # your own (user_id,variant,
                                                                     # converted; control/variant)

Builds a throwaway SQLite instance with a running conversion test (variants "control" and
"variant"), serves it with the README's line (``gunicorn -w 4``, gunicorn's default 30 s
worker timeout) on 127.0.0.1, and sends each file through the API (``POST
/api/v1/hypotheses/<id>/results`` with a CSV body) and through the browser's upload form
(multipart), both streamed from disk. It prints the time until the answer, the answer, the
time until the analysis is stored (a large file is reduced in the background and the answer
points to its progress), and the serving worker's peak memory.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import sys
import tempfile
import textwrap
import threading
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from web_bench import HOST, sign_in, start_gunicorn, wait_until_serving  # noqa: E402

WSGI = """
from hypotheses import create_app

app = create_app(instance_path={instance!r})
"""
SIZES = {"M": 10**6, "G": 10**9}


def make_file(path: Path, size: int) -> None:
    """Write a per-user CSV of about *size* bytes (conversion metric, two variants)."""
    rng = random.Random(size)
    with open(path, "w") as out:
        out.write("user_id,variant,converted\n")
        written, user = 0, 0
        while written < size:
            lines = []
            for _ in range(50_000):
                user += 1
                arm = "control" if user % 2 else "variant"
                lines.append(f"u{user},{arm},{int(rng.random() < 0.05)}\n")
            block = "".join(lines)
            out.write(block)
            written += len(block)


def api(port: int, token: str, method: str, path: str, payload=None):
    conn = http.client.HTTPConnection(HOST, port, timeout=600)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    try:
        conn.request(method, "/api/v1" + path, json.dumps(payload or {}), headers)
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        conn.close()


PASSWORD = "upload bench passphrase"


def build(instance: Path) -> dict[str, str]:
    """Create the schema, a team with a marketer and a lead; return their tokens and e-mails."""
    from sqlmodel import Session

    from hypotheses import create_app
    from hypotheses.db import get_engine
    from hypotheses.domain.accounts import memberships, teams, tokens, users
    from hypotheses.migrate import upgrade_database

    app = create_app(instance_path=instance)
    out = {}
    with app.test_request_context(), Session(get_engine(), expire_on_commit=False) as session:
        upgrade_database(get_engine())
        team = teams.get_or_create_team(session, "Upload bench")
        for role in ("marketer", "lead"):
            user = users.create_user(
                session, email=f"{role}@example.com", name=role.title(), password=PASSWORD
            )
            memberships.set_membership(session, user=user, team=team, role=role)
            session.commit()
            out[role] = tokens.create_token(session, user=user, team=team, name="upload")[1]
            out[role + " email"] = user.email
    return out


def running_test(port: int, tokens: dict[str, str]) -> tuple[int, int]:
    """Create, approve, design and start a conversion test; return (hypothesis, test) ids."""
    marketer, lead = tokens["marketer"], tokens["lead"]
    status, body = api(
        port,
        marketer,
        "POST",
        "/hypotheses",
        {"title": f"Upload bench {uuid.uuid4().hex[:6]}", "stage": "lead"}
        | {"lever": "conversion", "subject": "offer"},
    )
    assert status == 201, body
    hid = body["id"]
    status, body = api(
        port, lead, "POST", f"/hypotheses/{hid}/approve", {"version": body["version"]}
    )
    assert status == 200, body
    design = {
        "metric": "Lead rate",
        "metric_kind": "conversion",
        "baseline": 0.05,
        "mde": 0.2,
        "daily_visitors": 1000,
        "variants": [{"name": "control", "split": 0.5}, {"name": "variant", "split": 0.5}],
    }
    status, body = api(port, marketer, "PUT", f"/hypotheses/{hid}/design", design)
    assert status in (200, 201), body
    status, body = api(port, lead, "POST", f"/hypotheses/{hid}/start")
    assert status in (200, 201), body
    return hid, body["id"]


class PeakMemory:
    """Sample the resident memory of gunicorn's workers; keep the largest."""

    def __init__(self, master: int) -> None:
        self.master, self.peak, self.done = master, 0, threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        while not self.done.wait(0.2):
            for pid in self.children():
                try:
                    text = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                found = re.search(r"VmRSS:\s+(\d+) kB", text)
                if found:
                    self.peak = max(self.peak, int(found.group(1)) * 1024)

    def children(self) -> list[int]:
        try:
            return [
                int(p)
                for p in Path(f"/proc/{self.master}/task/{self.master}/children")
                .read_text()
                .split()
            ]
        except OSError:
            return []

    def stop(self) -> int:
        self.done.set()
        self.thread.join()
        return self.peak


def send(port: int, method: str, path: str, headers: dict, parts: list) -> tuple[int, dict, str]:
    """Send a body made of byte strings and file paths, streamed; return status, headers, text."""
    length = sum(len(p) if isinstance(p, bytes) else os.path.getsize(p) for p in parts)
    conn = http.client.HTTPConnection(HOST, port, timeout=3600)
    conn.putrequest(method, path)
    for name, value in {**headers, "Content-Length": str(length)}.items():
        conn.putheader(name, value)
    conn.endheaders()
    for part in parts:
        if isinstance(part, bytes):
            conn.send(part)
            continue
        with open(part, "rb") as handle:
            while block := handle.read(1 << 20):
                conn.send(block)
    response = conn.getresponse()
    text = response.read().decode("utf-8", "replace")
    return response.status, dict(response.getheaders()), text


def wait_for_analysis(port: int, token: str, hid: int, before: int, limit: float) -> float | None:
    started = time.monotonic()
    while time.monotonic() - started < limit:
        status, body = api(port, token, "GET", f"/hypotheses/{hid}/analyses")
        items = body.get("items", body) if isinstance(body, dict) else body
        if status == 200 and isinstance(items, list) and len(items) > before:
            return time.monotonic() - started
        time.sleep(0.5)
    return None


def count_analyses(port: int, token: str, hid: int) -> int:
    status, body = api(port, token, "GET", f"/hypotheses/{hid}/analyses")
    items = body.get("items", body) if isinstance(body, dict) else body
    return len(items) if status == 200 and isinstance(items, list) else 0


def upload_api(port: int, tokens: dict, hid: int, path: Path) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {tokens['marketer']}", "Content-Type": "text/csv"}
    query = "kind=per-user&variant_column=variant&conversion_column=converted"
    status, _headers, text = send(
        port, "POST", f"/api/v1/hypotheses/{hid}/results?{query}", headers, [path]
    )
    return status, text[:300]


def upload_form(port: int, cookie: str, csrf: str, exp_id: int, path: Path) -> tuple[int, str]:
    boundary = uuid.uuid4().hex
    fields = {"csrf_token": csrf, "variant_column": "variant", "conversion_column": "converted"}
    head = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    )
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="users.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    headers = {"Cookie": cookie, "Content-Type": f"multipart/form-data; boundary={boundary}"}
    status, answer, text = send(
        port, "POST", f"/experiments/{exp_id}/results/per-user", headers, [head, path, tail]
    )
    return status, answer.get("Location", text[:300])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="*", default=["100M", "1G"], help="e.g. 100M 1G 2G")
    parser.add_argument("--files", nargs="*", default=[], type=Path)
    parser.add_argument("--via", nargs="+", default=["api", "form"], choices=["api", "form"])
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="upload-bench-") as tmp:
        tmp_path = Path(tmp)
        files = list(args.files)
        for size in args.sizes:
            size_bytes = int(float(size[:-1]) * SIZES[size[-1].upper()])
            if size.upper().endswith("G") and size[:-1] == "2":
                size_bytes = 2 * 1024**3  # 2 GiB, the documented largest upload
            path = tmp_path / f"users-{size}.csv"
            started = time.monotonic()
            make_file(path, size_bytes)
            print(
                f">> generated {path.name}: {path.stat().st_size / 1e6:,.0f} MB "
                f"in {time.monotonic() - started:.0f} s"
            )
            files.append(path)
        instance = tmp_path / "instance"
        env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'bench.sqlite'}"}
        os.environ.update(env)
        tokens = build(instance)
        (tmp_path / "upload_wsgi.py").write_text(
            textwrap.dedent(WSGI.format(instance=str(instance)))
        )
        server, port = start_gunicorn(tmp, "upload_wsgi:app", args.workers, {**env, "TMPDIR": tmp})
        try:
            wait_until_serving(
                server, lambda: api(port, tokens["lead"], "GET", "/hypotheses")[0] == 200
            )
            cookie = sign_in(port, tokens["marketer email"], PASSWORD)
            for path in files:
                for via in args.via:
                    hid, exp_id = running_test(port, tokens)
                    memory = PeakMemory(server.pid)
                    before = count_analyses(port, tokens["lead"], hid)
                    started = time.monotonic()
                    if via == "api":
                        status, answer = upload_api(port, tokens, hid, path)
                    else:
                        conn = http.client.HTTPConnection(HOST, port, timeout=60)
                        conn.request("GET", f"/experiments/{exp_id}", headers={"Cookie": cookie})
                        response = conn.getresponse()
                        page = response.read().decode()
                        cookie = (response.getheader("Set-Cookie") or cookie).split(";")[0]
                        csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
                        if not csrf:
                            raise SystemExit("no form on the test page")
                        started = time.monotonic()
                        status, answer = upload_form(port, cookie, csrf.group(1), exp_id, path)
                    answered = time.monotonic() - started
                    stored = wait_for_analysis(port, tokens["lead"], hid, before, 600)
                    total = None if stored is None else answered + stored
                    peak = memory.stop()
                    print(
                        f"   {path.stat().st_size / 1e6:8,.0f} MB via {via:<4}: answer {status} "
                        f"after {answered:6.1f} s; analysis stored after "
                        f"{'—' if total is None else f'{total:.1f} s'}; "
                        f"peak worker memory {peak / 2**20:,.0f} MiB"
                    )
                    if status >= 400:
                        print(f"      {answer}")
                    api(
                        port, tokens["lead"], "POST", f"/hypotheses/{hid}/stop", {"reason": "bench"}
                    )
        finally:
            server.terminate()
            server.wait(timeout=60)


if __name__ == "__main__":
    main()
