"""The backlog: hypotheses, ICE scores, bounds, approval and the audit history."""

from hypotheses.backlog import board, move_routes, routes
from hypotheses.backlog.blueprint import bp

__all__ = ["board", "bp", "move_routes", "routes"]
