"""Backlog pages kept for the database revision they were rendered at (hypotheses/revision.py).

Reading an unchanged backlog again is the product's commonest request. What the page shows
follows from the data (the revision, read with the signed-in user before anything else), who
reads it (team, user, role, language), the address and the clock (ages in days), so a page is
kept under those values and served again until one of them changes: any committed write
raises the revision, and an entry lasts at most a minute and never past the moment a row's
age would read differently. The CSRF token differs per session and is put in afterwards. A
request with messages to show (flash) or a refused score form is rendered as usual.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app, g, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

KEEP = 64  # pages kept per process (of the newest revision)
MAX_AGE = 60.0  # seconds


@dataclass
class _Pages:
    revision: int
    # key -> (good until, the page's bytes split at its CSRF tokens: encoded once)
    pages: dict[tuple, tuple[float, list[bytes]]] = field(default_factory=dict)


def _store() -> _Pages | None:
    return current_app.extensions.get("backlog_pages")


def key() -> tuple | None:
    """Return the key of this request's page, or None when it must be rendered anew."""
    revision = g.get("revision")
    if revision is None or not current_app.config.get("PAGE_CACHE", True):
        return None
    if session.get("_flashes"):
        return None
    return (
        revision,
        g.team.id,
        current_user.id,
        g.role,
        str(get_locale()),
        request.script_root,
        request.path,
        request.query_string,
        current_app.config.get("PAGE_SIZE"),
    )


def get(page_key: tuple | None) -> bytes | None:
    """Return the kept page for *page_key* with this session's CSRF token, if still good."""
    store = _store()
    if page_key is None or store is None or store.revision != page_key[0]:
        return None
    kept = store.pages.get(page_key)
    if kept is None or kept[0] <= time.monotonic():
        return None
    return generate_csrf().encode().join(kept[1])


def put(page_key: tuple | None, html: str, *, now: datetime, created: list[datetime]) -> None:
    """Keep *html* (rendered at *now*, showing rows created at *created*) under *page_key*."""
    if page_key is None:
        return
    store = _store()
    if store is None or store.revision < page_key[0]:
        store = current_app.extensions["backlog_pages"] = _Pages(page_key[0])
    elif store.revision > page_key[0]:
        return  # read before a newer write: not worth keeping
    if len(store.pages) >= KEEP:
        store.pages.clear()
    lasts = MAX_AGE
    for when in created:  # until the first age in days changes
        age = now - when
        flip = timedelta(days=age.days + 1) - age
        lasts = min(lasts, flip.total_seconds())
    store.pages[page_key] = (
        time.monotonic() + lasts,
        html.encode().split(generate_csrf().encode()),
    )
