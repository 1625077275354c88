"""The weekly results review and the team's metric catalog."""

from hypotheses.reviews import display, metric_routes, read_routes, routes
from hypotheses.reviews.blueprint import bp

__all__ = ["bp", "display", "metric_routes", "read_routes", "routes"]
