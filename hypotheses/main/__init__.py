"""The dashboard: what the team is testing now, backlog health, this week's review."""

from flask import Blueprint

bp = Blueprint("main", __name__)

from hypotheses.main import routes  # noqa: E402,F401
