"""The data page (/data): backlog CSV import, CSV exports, and personal API tokens."""

from hypotheses.csvio import routes, token_routes
from hypotheses.csvio.blueprint import bp

__all__ = ["bp", "routes", "token_routes"]
