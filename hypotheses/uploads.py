"""Large uploads go to named temporary files on disk in large blocks, never whole into memory.

A per-user results file may be gigabytes. The browser's multipart upload is spooled by
Werkzeug into a *named* temporary file (UploadRequest), and the API's raw CSV body is copied
into one (body_to_file), so the statistics engine reads the file by its path (DuckDB reads it
in parallel) instead of through a second copy. The files are removed when the request ends.

Receiving and reducing 2 GiB takes longer than gunicorn's worker timeout (30 s) on a slow or
busy machine. A sync worker is killed when it does not check in for that long; while an
upload makes progress (each block received, each progress report of the engine) it checks in
for its worker (keep_alive), so only an upload that stalls is cut off.
"""

from __future__ import annotations

import os
import signal
import tempfile
import time
from collections.abc import Callable
from typing import IO, Any

from flask import Request

BLOCK = 1024 * 1024  # bytes per read and write (gunicorn reads fastest in 1 MiB steps)
SMALL = 500 * 1024  # form files up to this size stay in memory (Werkzeug's own threshold)


class UploadRequest(Request):
    """A request whose large form files land in named temporary files (see file_path)."""

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        if total_content_length is not None and total_content_length <= SMALL:
            return super()._get_file_stream(
                total_content_length, content_type, filename, content_length
            )
        file = tempfile.NamedTemporaryFile("w+b", prefix="upload-", suffix=".part")
        return _KeepAliveFile(file)  # type: ignore[return-value]


class _KeepAliveFile:
    """A file that checks in for the worker (keep_alive) on every write."""

    def __init__(self, file: IO[bytes]) -> None:
        self._file = file

    def write(self, data: bytes) -> int:
        keep_alive()
        return self._file.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)

    def __iter__(self):
        return iter(self._file)

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()


def body_to_file(stream: Any) -> IO[bytes]:
    """Copy a request body into a named temporary file in large blocks; return it at 0.

    The caller closes it (which removes it); Werkzeug's stream raises on a client disconnect
    or a body over the request's limit (413).
    """
    target = tempfile.NamedTemporaryFile("w+b", prefix="upload-", suffix=".part")
    try:
        while block := stream.read(BLOCK):
            target.write(block)
            keep_alive()
        target.flush()
        target.seek(0)
    except BaseException:
        target.close()
        raise
    return target


def file_path(file: Any) -> str | None:
    """The path of an upload kept in a named file on disk (flushed), else None."""
    name = getattr(file, "name", None)
    if not isinstance(name, str) or not os.path.isfile(name):
        return None
    file.flush()
    return name


_last_check_in = 0.0


def keep_alive(_done: object = None) -> None:
    """Tell gunicorn's worker supervisor that this worker is busy, not stuck (at most once a
    second); nothing outside gunicorn. Usable as a progress callback."""
    global _last_check_in
    now = time.monotonic()
    if now - _last_check_in < 1:
        return
    _last_check_in = now
    notify = _gunicorn_notify()
    if notify is not None:
        notify()


def _gunicorn_notify() -> Callable[[], None] | None:
    # A gunicorn worker handles SIGQUIT with its own bound method; its notify() is the
    # heartbeat the arbiter watches (gunicorn.workers.base.Worker.notify).
    handler = signal.getsignal(signal.SIGQUIT)
    worker = getattr(handler, "__self__", None)
    if worker is None or not type(worker).__module__.startswith("gunicorn."):
        return None
    notify = getattr(worker, "notify", None)
    return notify if callable(notify) else None


def with_keep_alive(progress: Callable[[int], object] | None) -> Callable[[int], None]:
    """A progress callback that also keeps the worker alive (keep_alive)."""

    def report(done: int) -> None:
        keep_alive()
        if progress is not None:
            progress(done)

    return report
