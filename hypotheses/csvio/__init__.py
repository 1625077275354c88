"""The data page (/data): backlog CSV import, CSV exports, and personal API tokens."""

from flask import Blueprint

bp = Blueprint("csvio", __name__)

from hypotheses.csvio import routes, token_routes  # noqa: E402,F401
