"""Password rules and hashing (ASVS V6.2 and appendix C)."""

from __future__ import annotations

import secrets
from functools import cache
from pathlib import Path

from flask_babel import gettext as _
from werkzeug.security import generate_password_hash

from hypotheses.domain.core.errors import DomainError

MIN_PASSWORD = 8
MAX_PASSWORD = 128
# PBKDF2-HMAC-SHA256 needs at least 600,000 iterations (ASVS 5.0 appendix C).
DEFAULT_HASH_METHOD = "pbkdf2:sha256:1000000"


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


def hash_password(password: str, method: str = DEFAULT_HASH_METHOD) -> str:
    """Hash *password* with an explicit, ASVS-compliant method."""
    return generate_password_hash(password, method=method)


@cache
def dummy_hash(method: str) -> str:
    """Return a hash of a random password made with *method* (cached per method).

    Checking a password against it costs as much as a real check, so an unknown e-mail
    answers as slowly as a known one; its prefix also shows *method*'s full parameters.
    """
    return generate_password_hash(secrets.token_hex(8), method=method)
