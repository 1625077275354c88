"""Password rules and hashing (ASVS V6.2 and appendix C).

New hashes are Argon2id (argon2-cffi). A method string names the algorithm and its cost:
``argon2id:t=2:m=19456:p=1`` (the default) or ``argon2id`` (the library's RFC 9106 profile);
Werkzeug's ``pbkdf2:sha256:<iterations>`` still works, so
hashes made before the switch verify, and sign-in re-hashes them with the configured method.
"""

from __future__ import annotations

import secrets
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _
from werkzeug.security import check_password_hash as check_werkzeug_hash
from werkzeug.security import generate_password_hash

from hypotheses.domain.core.errors import DomainError

MIN_PASSWORD = 8
MAX_PASSWORD = 128
# Argon2id with OWASP's first recommended costs (19 MiB, 2 passes, 1 lane): about 40 ms per
# check, where PBKDF2 at 1,000,000 iterations took 0.25-1.6 s (a lever for exhausting a server).
DEFAULT_HASH_METHOD = "argon2id:t=2:m=19456:p=1"
ARGON2_PREFIX = "$argon2id$"


@cache
def common_passwords() -> frozenset[str]:
    """Return the refused common passwords (lower case), read once from the shipped list."""
    path = Path(__file__).with_name("common_passwords.txt")
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def check_password_rules(password: str, field: str = "password") -> None:
    """Refuse passwords that are too short, too long or too common (ASVS V6.2)."""
    if len(password) < MIN_PASSWORD:
        raise DomainError(_("Use at least %(n)d characters.", n=MIN_PASSWORD), field)
    if len(password) > MAX_PASSWORD:
        raise DomainError(_("Use at most %(n)d characters.", n=MAX_PASSWORD), field)
    if password.lower() in common_passwords():
        raise DomainError(_("This password is too common; choose another."), field=field)


@cache
def argon2_hasher(method: str) -> PasswordHasher | None:
    """Return the Argon2id hasher *method* names (``argon2id[:t=..:m=..:p=..]``), else None."""
    name, *params = method.split(":")
    if name != "argon2id":
        return None
    costs = {"t": "time_cost", "m": "memory_cost", "p": "parallelism"}
    try:
        options = {costs[key]: int(value) for key, value in (p.split("=", 1) for p in params)}
    except (KeyError, ValueError) as error:
        raise ValueError(f"unknown Argon2id parameters in {method!r}") from error
    return PasswordHasher(**options)


def hash_password(password: str, method: str = DEFAULT_HASH_METHOD) -> str:
    """Hash *password* with an explicit, ASVS-compliant method (Argon2id or PBKDF2)."""
    hasher = argon2_hasher(method)
    if hasher is not None:
        return hasher.hash(password)
    return generate_password_hash(password, method=method)


def check_password_hash(stored: str, password: str) -> bool:
    """Tell whether *password* matches *stored*, an Argon2id or a Werkzeug (PBKDF2) hash."""
    if stored.startswith(ARGON2_PREFIX):
        try:
            return PasswordHasher().verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False
    return check_werkzeug_hash(stored, password)


def needs_rehash(stored: str, method: str) -> bool:
    """Tell whether *stored* was made by another algorithm or other costs than *method*."""
    hasher = argon2_hasher(method)
    if hasher is not None:
        return not stored.startswith(ARGON2_PREFIX) or hasher.check_needs_rehash(stored)
    # Compare with a hash made by *method* itself, so "pbkdf2:sha256" matches its expansion.
    return stored.split("$", 1)[0] != dummy_hash(method).split("$", 1)[0]


@cache
def dummy_hash(method: str) -> str:
    """Return a hash of a random password made with *method* (cached per method).

    Checking a password against it costs as much as a real check, so an unknown e-mail
    answers as slowly as a known one; its prefix also shows *method*'s full parameters.
    """
    return hash_password(secrets.token_hex(8), method)
