"""Real receivers on the loopback for the notification tests: an SMTP server (aiosmtpd) and an
HTTP server for webhooks. Both record what they accept and can refuse a share of requests at
random (a seeded generator), like a flaky provider."""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpSink:
    """An SMTP server on 127.0.0.1 that keeps every accepted message (``messages``)."""

    def __init__(self, port: int | None = None, *, fail_rate: float = 0.0, seed: int = 1):
        self.port = port or free_port()
        self.messages: list = []
        self.fail_rate, self.random = fail_rate, random.Random(seed)
        self.lock = threading.Lock()
        self.controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        with self.lock:
            if self.random.random() < self.fail_rate:
                return "451 4.3.0 Try again later"
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def start(self) -> SmtpSink:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def config(self) -> dict:
        return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": self.port, "MAIL_FROM": "app@example.com"}

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()


class MessageIdLog:
    """An aiosmtpd handler for a server in its own process (``SmtpProcess``): appends the
    Message-ID of each accepted message to a file, refusing a seeded share with 451."""

    def __init__(self, path: str, fail_rate: str = "0", seed: str = "1"):
        self.path, self.fail_rate = path, float(fail_rate)
        self.random = random.Random(int(seed))

    @classmethod
    def from_cli(cls, _parser, *args):
        return cls(*args)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        if self.random.random() < self.fail_rate:
            return "451 4.3.0 Try again later"
        message = message_from_bytes(envelope.content, policy=policy.default)
        with open(self.path, "a", encoding="utf-8") as log:
            log.write(f"{message['Message-ID']}\n")
        return "250 OK"


class SmtpProcess:
    """An SMTP server in a process of its own (so it does not share the tests' GIL), logging
    the Message-ID of every accepted message to ``log``."""

    def __init__(self, log: Path, *, fail_rate: float = 0.0, seed: int = 1):
        self.port, self.log = free_port(), log
        handler = f"{Path(__file__).stem}.MessageIdLog"
        self.command = [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{self.port}"]
        self.command += ["-c", handler, str(log), str(fail_rate), str(seed)]

    def message_ids(self) -> list[str]:
        return self.log.read_text().split() if self.log.exists() else []

    def config(self) -> dict:
        return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": self.port, "MAIL_FROM": "app@example.com"}

    def __enter__(self) -> SmtpProcess:
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent)}
        self.process = subprocess.Popen(self.command, env=env, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.05)
        self.process.kill()
        raise RuntimeError("the SMTP server did not start")

    def __exit__(self, *_exc) -> None:
        self.process.terminate()
        self.process.wait(10)


class HttpSink:
    """An HTTP server on 127.0.0.1 that keeps every accepted POST (``requests``)."""

    def __init__(self, *, fail_rate: float = 0.0, seed: int = 2):
        self.requests: list[dict] = []
        self.fail_rate, self.random = fail_rate, random.Random(seed)
        self.lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with sink.lock:
                    failed = sink.random.random() < sink.fail_rate
                    if not failed:
                        sink.requests.append(
                            {"path": self.path, "headers": dict(self.headers), "body": body}
                        )
                self.send_response(503 if failed else 200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *_args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def json(self, index: int) -> dict:
        return json.loads(self.requests[index]["body"])

    def __enter__(self) -> HttpSink:
        self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.server.shutdown()
        self.server.server_close()
