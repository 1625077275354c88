"""Source credentials at rest: MultiFernet under SOURCES_ENCRYPTION_KEYS, a key separate from
SECRET_KEY. The setting is a comma-separated list of Fernet keys: the first encrypts, all
decrypt, so a new key is put first, ``flask --app hypotheses sources rotate-key`` re-encrypts
every stored connection under it, and then the old keys can be dropped.

The setting comes from the app config (instance/config.py, or HYPOTHESES_SOURCES_ENCRYPTION_KEYS)
or the SOURCES_ENCRYPTION_KEYS environment variable. When neither is set, the key in
``instance/sources_key`` is used (created on first use, and by ``make run``).
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app

KEY_FILE = "sources_key"
KEY_ENV = "SOURCES_ENCRYPTION_KEYS"


class KeyUnusable(Exception):
    """No configured key decrypts the stored value, or a configured key is malformed."""


def new_key() -> str:
    """Return a fresh Fernet key (URL-safe base64, 44 characters)."""
    return Fernet.generate_key().decode("ascii")


def instance_key(instance_path: str) -> str:
    """Return the key kept in the instance folder, creating it (mode 600) on first use."""
    path = Path(instance_path) / KEY_FILE
    if path.exists():
        return path.read_text().strip()
    key = new_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key


def configured_keys() -> list[str]:
    """The keys in use, first the one that encrypts."""
    raw = current_app.config.get("SOURCES_ENCRYPTION_KEYS") or os.environ.get(KEY_ENV) or ""
    if isinstance(raw, list | tuple):
        keys = [str(k).strip() for k in raw]
    else:
        keys = [k.strip() for k in str(raw).split(",")]
    keys = [k for k in keys if k]
    return keys or [instance_key(current_app.instance_path)]


def _box() -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode("ascii")) for key in configured_keys()])
    except (ValueError, UnicodeEncodeError) as error:
        raise KeyUnusable("SOURCES_ENCRYPTION_KEYS holds a malformed key") from error


def seal(secret: str) -> str:
    """Encrypt *secret* with the first key."""
    return _box().encrypt(secret.encode()).decode("ascii")


def unseal(token: str) -> str:
    """Decrypt a stored secret with any configured key; KeyUnusable if none opens it."""
    try:
        return _box().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, ValueError) as error:
        raise KeyUnusable("no configured key decrypts this connection") from error


def reseal(token: str) -> str:
    """Re-encrypt *token* under the first key (MultiFernet.rotate)."""
    try:
        return _box().rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, ValueError) as error:
        raise KeyUnusable("no configured key decrypts this connection") from error
