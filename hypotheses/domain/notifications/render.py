"""Messages as e-mail (HTML and plain text) and as chat text, in a chosen language."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from flask import current_app, has_app_context
from flask_babel import force_locale, gettext, ngettext
from jinja2 import Environment, FileSystemLoader, select_autoescape

from hypotheses import PROJECT_ROOT, languages
from hypotheses.domain.notifications.messages import Message, compose

DEFAULT_BASE_URL = "http://127.0.0.1:5000"


@dataclass
class Rendered:
    subject: str
    text: str
    html: str
    link: str | None


@lru_cache(maxsize=1)
def _templates() -> Environment:
    """The message templates' own environment: it renders with or without an app context
    (a domain function called from a script or test still writes its notifications; without an
    app, in English), and ``_`` is Flask-Babel's, so ``force_locale`` picks the language."""
    env = Environment(
        loader=FileSystemLoader(str(PROJECT_ROOT / "templates")),
        autoescape=select_autoescape(["html"]),
        trim_blocks=False,
    )
    env.globals.update(_=gettext, gettext=gettext, ngettext=ngettext)
    return env


def _config(name: str, default=None):
    if has_app_context():
        value = current_app.config.get(name)
        if value not in (None, ""):
            return value
    return os.environ.get(name) or default


def base_url() -> str:
    """The address people open links at (BASE_URL in the instance config or environment)."""
    return str(_config("BASE_URL", DEFAULT_BASE_URL)).rstrip("/")


def absolute(path: str | None) -> str | None:
    """Return *path* ("/backlog/3") as a full address; full addresses come back as they are."""
    if not path:
        return None
    if path.startswith(("http://", "https://")):
        return path
    return base_url() + "/" + path.lstrip("/")


def language_of(value: Any) -> str:
    """A supported language code from a user's or team's setting (English by default)."""
    return languages.clean(value) or _config("BABEL_DEFAULT_LOCALE", "en")


def render_message(message: Message, *, link: str | None, language: str) -> Rendered:
    """Render an already composed *message* (under *language*) as e-mail."""
    with force_locale(language):
        values = {
            "message": message,
            "link": link,
            "language": language,
            "preferences": absolute("/notifications/preferences"),
        }
        text = _templates().get_template("notifications/message.txt").render(**values)
        html = _templates().get_template("notifications/message.html").render(**values)
    return Rendered(message.subject[:300], text, html, link)


def render_event(event: str, context: dict[str, Any], *, language: str) -> Rendered:
    """Compose and render *event* for a reader of *language*."""
    with force_locale(language):
        message = compose(event, context)
        return render_message(message, link=absolute(context.get("path")), language=language)


def chat_text(rendered: Rendered) -> str:
    """The plain text a chat webhook posts: the subject, the body, the link."""
    return rendered.text.strip()[:3500]
