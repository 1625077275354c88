"""The data page (/data): backlog CSV import, CSV exports, and personal API tokens."""

from hypotheses.csvio import downloads, routes, token_routes
from hypotheses.csvio.blueprint import bp

__all__ = ["bp", "downloads", "routes", "token_routes"]
