"""The load bench's clients: keep-alive HTTP clients doing the 70/30 read/write mix, driven
from a few processes for a fixed time."""

from __future__ import annotations

import http.client
import json
import multiprocessing
import random
import threading
import time
import urllib.parse
from collections import Counter

from web_bench import HOST

READS = [("backlog", 30), ("hypothesis page", 15), ("test page", 10), ("api list", 10)]
READS += [("api one", 5)]
WRITES = [("form create", 7), ("form edit", 7), ("form score", 6), ("api create", 5)]
WRITES += [("api edit", 5)]
KIND = {name: "read" for name, _w in READS} | {name: "write" for name, _w in WRITES}


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
