"""Links to other areas' pages that may not be registered in every build."""

from __future__ import annotations

from flask import current_app, url_for


def optional_url(endpoint: str, **values) -> str | None:
    """Return the URL of *endpoint*, or None when no such view is registered."""
    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, **values)
