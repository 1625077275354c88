"""Which view of the backlog the user last chose, list or board (kept in their session)."""

from __future__ import annotations

from flask import session

VIEW_KEY = "backlog_view"


def remember_view(view: str) -> None:
    """Keep the user's choice of view, "list" or "board" (written only when it changes)."""
    if session.get(VIEW_KEY, "list") != view:
        session[VIEW_KEY] = view


def board_chosen() -> bool:
    """Tell whether the user last chose the board."""
    return session.get(VIEW_KEY) == "board"
