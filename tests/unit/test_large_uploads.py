"""Large per-user uploads (issue 12, item 4): on disk, read by path, and never cut off by
gunicorn's worker timeout while they make progress.

The README's server line keeps gunicorn's sync workers and their timeout; a 2 GiB file takes
longer than that to receive and reduce on a busy machine. Here a real gunicorn worker with a
2-second timeout receives a body sent slowly over about 4.5 seconds: it answers 201 because the
upload checks in while it progresses (hypotheses.uploads.keep_alive).
"""

from __future__ import annotations

import http.client
import io
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import EnvironBuilder, encode_multipart

import stats
from hypotheses import uploads
from hypotheses.domain.experiments import results_upload

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(
    bool(__import__("conftest").PG_URL), reason="the upload path does not touch the database"
)


def test_large_form_files_and_api_bodies_land_in_named_files(app):
    body = b"user_id,variant,converted\n" + b"u1,A,0\n" * 200_000  # 1.4 MB
    file = FileStorage(io.BytesIO(body), filename="users.csv", content_type="text/csv")
    boundary, data = encode_multipart(MultiDict({"file": file}))
    builder = EnvironBuilder(
        method="POST", data=data, content_type=f"multipart/form-data; boundary={boundary}"
    )
    with app.request_context(builder.get_environ()):
        from flask import request

        stream = request.files["file"].stream
        path = uploads.file_path(stream)
        assert path and Path(path).read_bytes() == body
    copied = uploads.body_to_file(io.BytesIO(body))
    with copied:
        assert Path(copied.name).read_bytes() == body
    assert not Path(copied.name).exists()  # removed once closed


def test_the_engine_reads_an_uploaded_file_by_its_path(monkeypatch, tmp_path):
    seen = []

    def reduce(source, **kwargs):
        seen.append(source)
        kwargs["progress"](10)
        raise stats.StatsInputError("stop here")

    monkeypatch.setattr(stats, "reduce_per_user_csv", reduce)
    with uploads.body_to_file(io.BytesIO(b"user_id,variant,converted\n")) as file:
        with pytest.raises(Exception):  # noqa: B017  (the engine's refusal, as a DomainError)
            results_upload._reduce_per_user(file, "conversion", ["A", "B"], None, None, None, None)
    assert seen == [file.name]


class FakeWorker:
    notified = 0

    def handle_quit(self, *_args):
        pass

    def notify(self):
        FakeWorker.notified += 1


FakeWorker.__module__ = "gunicorn.workers.fake"


def test_keep_alive_checks_in_for_a_gunicorn_worker_at_most_once_a_second(monkeypatch):
    previous = signal.signal(signal.SIGQUIT, FakeWorker().handle_quit)
    try:
        monkeypatch.setattr(uploads, "_last_check_in", 0.0)
        for _ in range(50):
            uploads.keep_alive()
        assert FakeWorker.notified == 1
    finally:
        signal.signal(signal.SIGQUIT, previous)
    uploads.keep_alive()  # outside gunicorn: nothing happens
    assert FakeWorker.notified == 1


SERVER = """
import sys
sys.path.insert(0, {root!r})
from hypotheses import create_app
app = create_app(instance_path={instance!r})
"""


@pytest.mark.slow
def test_a_slow_upload_outlives_the_worker_timeout_while_it_progresses(tmp_path):
    sys.path.insert(0, str(ROOT / "bench"))
    import upload_bench  # the benchmark's own instance and test set-up
    import web_bench

    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}"}
    os.environ.update(env)
    try:
        tokens = upload_bench.build(tmp_path / "instance")
    finally:
        os.environ.pop("DATABASE_URL")
    (tmp_path / "slow_wsgi.py").write_text(
        textwrap.dedent(SERVER.format(root=str(ROOT), instance=str(tmp_path / "instance")))
    )
    port = web_bench.free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "-w", "1", "--timeout", "2", "-b", f"127.0.0.1:{port}"]
        + ["--chdir", str(tmp_path), "--log-level", "warning", "slow_wsgi:app"],
        env={**os.environ, **env},
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if upload_bench.api(port, tokens["lead"], "GET", "/hypotheses")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, "no server"
            time.sleep(0.3)
        hid, _exp = upload_bench.running_test(port, tokens)
        # About 17 MB: each 1 MiB block the server reads arrives within a second or so.
        rows = "".join(
            f"u{i},{'control' if i % 2 else 'variant'},{i % 9 == 0:d}\n" for i in range(1_000_000)
        )
        body = f"user_id,variant,converted\n{rows}".encode()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        query = "kind=per-user&variant_column=variant&conversion_column=converted"
        conn.putrequest("POST", f"/api/v1/hypotheses/{hid}/results?{query}")
        for name, value in {
            "Authorization": f"Bearer {tokens['marketer']}",
            "Content-Type": "text/csv",
            "Content-Length": str(len(body)),
        }.items():
            conn.putheader(name, value)
        conn.endheaders()
        piece = len(body) // 10 + 1
        started = time.monotonic()
        for at in range(0, len(body), piece):  # 10 pieces, 0.45 s apart: twice the timeout
            conn.send(body[at : at + piece])
            time.sleep(0.45)
        response = conn.getresponse()
        answer = response.read()
        conn.close()
        assert time.monotonic() - started > 4
        assert response.status == 201, answer[:300]
    finally:
        server.terminate()
        server.wait(timeout=30)
