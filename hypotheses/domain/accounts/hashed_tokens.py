"""Random tokens stored only as their SHA-256 (API tokens, invitation and reset links), so a
copy of the database opens no account."""

from __future__ import annotations

import hashlib
import secrets

MAX_LENGTH = 200  # a longer token is not looked up


def new_token(prefix: str = "") -> tuple[str, str]:
    """Return a fresh random token (*prefix* and 43 URL-safe characters) and its stored hash."""
    token = prefix + secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    """Return the SHA-256 hex digest stored for *token*."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def worth_looking_up(token: str | None, prefix: str = "") -> bool:
    """Tell whether *token* could be one of ours: not empty, with *prefix*, not too long."""
    return bool(token) and token.startswith(prefix) and len(token) <= MAX_LENGTH
