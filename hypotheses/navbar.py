"""The signed-in navbar (templates/_navbar.html), rendered once per distinct values and kept.

What it shows follows from a few values read on every request (the language, the role and
team read with the user by ``web.load_user``, the user's name, their memberships and the
current section), so the same values give the same markup: a role change or a renamed team is
a new key, never a stale menu. The CSRF token differs per request and is put in afterwards.
"""

from __future__ import annotations

from flask import current_app, g, render_template, request
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

TOKEN_SLOT = "<csrf-token-slot>"  # never in rendered text: a name's "<" is escaped
KEEP = 1024  # distinct navbars kept per app (cleared when full)


def navbar(active_page: str | None = None) -> Markup:
    """Return the navbar's links and account menu for the signed-in member of ``g.team``."""
    section = request.endpoint.split(".")[0] if request.endpoint else None
    key = (
        request.script_root,
        str(get_locale()),
        active_page,
        section,
        g.role,
        g.team.id,
        g.team.name,
        current_user.name,
        tuple((team.id, team.name, member.role) for member, team in g.memberships),
    )
    kept: dict[tuple, str] = current_app.extensions.setdefault("navbars", {})
    html = kept.get(key)
    if html is None:
        if len(kept) >= KEEP:
            kept.clear()
        html = kept[key] = render_template(
            "_navbar.html",
            active_page=active_page,
            section=section,
            csrf_token=lambda: Markup(TOKEN_SLOT),
        )
    return Markup(html.replace(TOKEN_SLOT, str(escape(generate_csrf()))))
