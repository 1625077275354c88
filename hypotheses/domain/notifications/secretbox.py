"""Webhook secrets at rest: Fernet (AES-128-CBC + HMAC-SHA256) under a key derived from the
app's SECRET_KEY. Changing SECRET_KEY makes stored secrets unreadable: the webhook's delivery
then fails with a message that asks a lead to enter the secret again."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app


class SecretUnreadable(Exception):
    """The stored secret cannot be decrypted (SECRET_KEY changed)."""


def _fernet() -> Fernet:
    key = hashlib.sha256(
        b"hypotheses-webhook-secrets\0" + current_app.config["SECRET_KEY"].encode()
    )
    return Fernet(base64.urlsafe_b64encode(key.digest()))


def seal(secret: str) -> str:
    """Encrypt *secret* for storage."""
    return _fernet().encrypt(secret.encode()).decode("ascii")


def open_box(box: str) -> str:
    """Decrypt a stored secret."""
    try:
        return _fernet().decrypt(box.encode("ascii")).decode()
    except (InvalidToken, ValueError) as error:
        raise SecretUnreadable from error


def hint(secret: str) -> str:
    """A short reminder of *secret* that does not reveal it: "…3f9a"."""
    return "…" + secret[-4:] if len(secret) >= 12 else "…"
