"""Messages as e-mail (HTML and plain text) and as chat text, in a chosen language."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale

from hypotheses import languages
from hypotheses.domain.notifications.messages import Message, compose

DEFAULT_BASE_URL = "http://127.0.0.1:5000"


@dataclass
class Rendered:
    subject: str
    text: str
    html: str
    link: str | None


def base_url() -> str:
    """The address people open links at (BASE_URL in the instance config or environment)."""
    url = current_app.config.get("BASE_URL") or os.environ.get("BASE_URL") or DEFAULT_BASE_URL
    return str(url).rstrip("/")


def absolute(path: str | None) -> str | None:
    """Return *path* ("/backlog/3") as a full address; full addresses come back as they are."""
    if not path:
        return None
    if path.startswith(("http://", "https://")):
        return path
    return base_url() + "/" + path.lstrip("/")


def language_of(value: Any) -> str:
    """A supported language code from a user's or team's setting (English by default)."""
    return languages.clean(value) or current_app.config.get("BABEL_DEFAULT_LOCALE", "en")


def render_message(message: Message, *, link: str | None, language: str) -> Rendered:
    """Render an already composed *message* (under *language*) as e-mail."""
    with force_locale(language):
        values = {
            "message": message,
            "link": link,
            "language": language,
            "preferences": absolute("/notifications/preferences"),
        }
        text = render_template("notifications/message.txt", **values)
        html = render_template("notifications/message.html", **values)
    return Rendered(message.subject[:300], text, html, link)


def render_event(event: str, context: dict[str, Any], *, language: str) -> Rendered:
    """Compose and render *event* for a reader of *language*."""
    with force_locale(language):
        message = compose(event, context)
        return render_message(message, link=absolute(context.get("path")), language=language)


def chat_text(rendered: Rendered) -> str:
    """The plain text a chat webhook posts: the subject, the body, the link."""
    return rendered.text.strip()[:3500]
