"""Byte sources for per-user files: open paths and streams, read the header line, and
count bytes and line breaks while the data is streamed."""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from stats import messages as msg
from stats.errors import StatsInputError

DELIMITERS = (",", ";", "\t", "|")
HEADER_LIMIT = 1 << 20  # a header line longer than 1 MiB is refused
COPY_BLOCK = 1 << 20
_BOM = codecs.BOM_UTF8


class TextToBytes(io.RawIOBase):
    """Present a text stream as UTF-8 bytes (uploads may arrive as text)."""

    def __init__(self, text: IO[str]) -> None:
        self._text = text
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        while len(self._buffer) < len(target):
            chunk = self._text.read(1 << 16)
            if not chunk:
                break
            self._buffer += chunk.encode("utf-8")
        count = min(len(target), len(self._buffer))
        target[:count] = self._buffer[:count]
        self._buffer = self._buffer[count:]
        return count


class CountingReader(io.RawIOBase):
    """Serve prefix bytes then the rest of a stream, counting bytes and line breaks."""

    def __init__(self, prefix: bytes, rest: IO[bytes], *, offset: int = 0) -> None:
        self._prefix = prefix
        self._rest = rest
        self.bytes_read = offset
        self.line_breaks = 0
        self.data_bytes = 0
        self._last = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        if self._prefix:
            data, self._prefix = self._prefix[: len(target)], self._prefix[len(target) :]
        else:
            data = self._rest.read(len(target)) or b""
        count = len(data)
        target[:count] = data
        if count:
            # lines end with \n, \r\n or a lone \r (as both CSV engines read them)
            breaks = data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")
            if self._last == b"\r" and data[:1] == b"\n":
                breaks -= 1
            self.line_breaks += breaks
            self.data_bytes += count
            self.bytes_read += count
            self._last = data[-1:]
        return count

    def has_data(self) -> bool:
        """Return True when any byte follows (the peeked byte is kept)."""
        if self._prefix:
            return True
        self._prefix = self._rest.read(1) or b""
        return bool(self._prefix)

    def physical_lines(self) -> int:
        """Return the number of lines served so far (a last line without a break counts)."""
        unterminated = self.data_bytes > 0 and self._last not in (b"\n", b"\r")
        return self.line_breaks + int(unterminated)


@dataclass
class Source:
    """An opened per-user file; ``stream`` gives its bytes from the start."""

    raw: Any
    is_text: bool
    close: bool
    encoding: str
    start: int | None  # position to seek back to, None when the stream cannot rewind
    stream: IO[bytes] = field(init=False)

    def __post_init__(self) -> None:
        self.stream = self._binary()

    def _binary(self) -> IO[bytes]:
        if self.is_text:
            return io.BufferedReader(TextToBytes(self.raw), 1 << 16)
        return self.raw  # type: ignore[no-any-return]

    def rewind(self) -> bool:
        """Seek back to the start; return False when the stream cannot rewind."""
        if self.start is None:
            return False
        self.raw.seek(self.start)
        self.stream = self._binary()
        return True

    def finish(self) -> None:
        """Close the file if this module opened it."""
        if self.close:
            self.raw.close()


def open_source(path_or_file: Any, encoding: str) -> Source:
    """Open a path, a binary stream or a text stream as a binary Source."""
    if isinstance(path_or_file, (str, os.PathLike)):
        try:
            handle = open(path_or_file, "rb")  # noqa: SIM115
        except OSError as exc:
            raise StatsInputError(msg.FILE_UNREADABLE.format(detail=exc)) from exc
        return Source(handle, False, True, encoding, 0)
    if not hasattr(path_or_file, "read"):
        raise StatsInputError(
            msg.ARM_SHAPE.format(
                name="path_or_file", shape="a path or a readable file", value=path_or_file
            )
        )
    start = None
    try:
        if path_or_file.seekable():
            start = path_or_file.tell()
    except (AttributeError, OSError, ValueError):
        start = None
    is_text = isinstance(path_or_file.read(0), str)
    return Source(path_or_file, is_text, False, "utf-8" if is_text else encoding, start)


@dataclass(frozen=True)
class Header:
    """The parsed header line and where the data starts."""

    names: list[str]
    delimiter: str
    remainder: bytes  # bytes already read after the header line
    offset: int  # bytes consumed by the BOM and the header line


def check_encoding(encoding: str) -> str:
    """Accept only ASCII-compatible encodings (line breaks and delimiters are single bytes)."""
    try:
        codec = codecs.lookup(encoding)
    except (LookupError, TypeError) as exc:
        raise StatsInputError(msg.FILE_NOT_UTF8.format(encoding=encoding, detail=exc)) from exc
    if "\n,;".encode(codec.name, errors="strict") != b"\n,;" or codec.name.startswith("utf-16"):
        raise StatsInputError(
            msg.FILE_NOT_UTF8.format(
                encoding=encoding, detail="only ASCII-compatible encodings are supported"
            )
        )
    return codec.name


def read_header(
    stream: IO[bytes], encoding: str, delimiter: str | None, wanted: list[str]
) -> Header:
    """Read the first line, strip a UTF-8 BOM and pick the delimiter that yields the
    wanted columns (or the given delimiter)."""
    buffer, eof = b"", False
    while _line_end(buffer) is None and len(buffer) <= HEADER_LIMIT:
        chunk = stream.read(1 << 16)
        if not chunk:
            eof = True
            break
        buffer += chunk
    offset = 0
    if buffer.startswith(_BOM):
        buffer, offset = buffer[len(_BOM) :], len(_BOM)
    end = _line_end(buffer, eof=eof)
    if end is None:
        if len(buffer) > HEADER_LIMIT:
            raise StatsInputError(msg.FILE_HEADER_UNREADABLE.format(detail="no line break"))
        end = (len(buffer), len(buffer))
    if not buffer[: end[0]].strip():
        raise StatsInputError(msg.FILE_EMPTY)
    try:
        line = buffer[: end[0]].decode(encoding)
    except UnicodeDecodeError as exc:
        raise StatsInputError(msg.FILE_NOT_UTF8.format(encoding=encoding, detail=exc)) from exc
    parsed = {}
    problem = None
    for candidate in [delimiter] if delimiter else DELIMITERS:
        try:
            parsed[candidate] = next(csv.reader([line], delimiter=candidate, strict=True), [])
        except csv.Error as exc:
            problem = exc
    if not parsed:
        raise StatsInputError(msg.FILE_HEADER_UNREADABLE.format(detail=problem))
    # the first delimiter whose header has every wanted column, else the one with most fields
    chosen = next(
        (d for d, fields in parsed.items() if all(_find(fields, w) for w in wanted)),
        max(parsed, key=lambda d: len(parsed[d])),
    )
    return Header(parsed[chosen], chosen, buffer[end[1] :], offset + end[1])


def _find(names: list[str], column: str) -> list[int]:
    """Return the indices of a column: exact name (spaces trimmed), else case-insensitive."""
    stripped = [name.strip() for name in names]
    exact = [i for i, name in enumerate(stripped) if name == column.strip()]
    return exact or [i for i, name in enumerate(stripped) if name.lower() == column.strip().lower()]


def _line_end(buffer: bytes, *, eof: bool = False) -> tuple[int, int] | None:
    """Return (end of text, start of next line) of the first line, or None if incomplete."""
    newline, carriage = buffer.find(b"\n"), buffer.find(b"\r")
    if carriage != -1 and (newline == -1 or carriage < newline):
        if carriage + 1 == len(buffer):
            return (carriage, carriage + 1) if eof else None  # \r or the start of \r\n?
        return carriage, carriage + (2 if buffer[carriage + 1 : carriage + 2] == b"\n" else 1)
    if newline != -1:
        return newline, newline + 1
    return None


def resolve_columns(names: list[str], wanted: dict[str, str]) -> dict[str, int]:
    """Map each role to its column index: exact name (spaces trimmed), else case-insensitive."""
    found: dict[str, int] = {}
    missing = []
    for role, column in wanted.items():
        matches = _find(names, column)
        if len(matches) > 1:
            raise StatsInputError(msg.COLUMN_AMBIGUOUS.format(name=column))
        if not matches:
            missing.append(repr(column))
        else:
            found[role] = matches[0]
    if missing:
        raise StatsInputError(
            msg.COLUMNS_MISSING.format(
                missing=", ".join(missing), header=", ".join(repr(n.strip()) for n in names)
            )
        )
    return found


@contextlib.contextmanager
def local_copy(source: Source, original: Any, progress: Callable[[int], Any]) -> Iterator[str]:
    """Yield a path to the data as a UTF-8 file: the file itself when it is one, else a
    temporary copy (streams, other encodings), written in blocks and removed afterwards."""
    if isinstance(original, (str, os.PathLike)) and source.encoding == "utf-8":
        yield os.fspath(original)
        return
    decoder = None
    if source.encoding != "utf-8":
        decoder = codecs.getincrementaldecoder(source.encoding)(errors="strict")
    handle, path = tempfile.mkstemp(prefix="per-user-", suffix=".data")
    try:
        with os.fdopen(handle, "wb") as out:
            copied = 0
            while True:
                block = source.stream.read(COPY_BLOCK)
                if decoder is not None:
                    try:
                        text = decoder.decode(block or b"", final=not block)
                    except UnicodeDecodeError as exc:
                        raise StatsInputError(
                            msg.FILE_NOT_UTF8.format(encoding=source.encoding, detail=exc)
                        ) from exc
                    out.write(text.encode("utf-8"))
                elif block:
                    out.write(block)
                if not block:
                    break
                copied += len(block)
                progress(copied)
        yield path
    finally:
        os.unlink(path)
