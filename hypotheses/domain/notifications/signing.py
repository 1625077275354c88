"""Signed JSON webhooks: the X-Hypotheses-Signature header and its check.

The header reads ``t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>``. A receiver
recomputes the HMAC over the timestamp and the raw body, compares in constant time, and refuses
a timestamp more than five minutes away from its clock (a replayed or delayed request).
docs/notifications.md shows the same check in a few lines for receivers written elsewhere.
"""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "X-Hypotheses-Signature"
TOLERANCE_SECONDS = 300


def signature(secret: str, body: bytes, timestamp: int) -> str:
    """Return the hex HMAC-SHA256 of "<timestamp>.<body>" under *secret*."""
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, *, timestamp: int | None = None) -> str:
    """Return the header value for *body*, signed now (or at *timestamp*)."""
    t = int(time.time()) if timestamp is None else int(timestamp)
    return f"t={t},v1={signature(secret, body, t)}"


def verify(
    secret: str,
    body: bytes,
    header: str | None,
    *,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> bool:
    """Tell whether *header* signs *body* with *secret* within *tolerance* seconds of *now*."""
    if not header:
        return False
    parts: dict[str, list[str]] = {}
    for piece in header.split(","):
        key, _, value = piece.strip().partition("=")
        parts.setdefault(key, []).append(value)
    try:
        t = int(parts.get("t", [""])[0])
    except ValueError:
        return False
    current = time.time() if now is None else now
    if abs(current - t) > tolerance:
        return False
    expected = signature(secret, body, t)
    return any(hmac.compare_digest(expected, given) for given in parts.get("v1", []))
