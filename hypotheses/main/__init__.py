"""The dashboard: what the team is testing now, backlog health, this week's review."""

from hypotheses.main import routes
from hypotheses.main.blueprint import bp

__all__ = ["bp", "routes"]
